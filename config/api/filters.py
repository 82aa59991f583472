"""The base of every API filter set."""

import django_filters


class FilterSet(django_filters.FilterSet):
    """A django-filter FilterSet that builds its form class once.

    django-filter makes a new form class on every request (a class object and a form field per
    filter), which on a list of 100 issues costs more than the filtering itself. The filter sets
    here take nothing from the request into their fields (no request-dependent querysets or
    choices), so one form class per filter set serves every request; a form made from it still
    copies its fields, as every Django form does."""

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class
