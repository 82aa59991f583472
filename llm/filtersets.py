import django_filters
from django_filters import FilterSet

from llm.choices import Outcome
from llm.models import LLMCall


class LLMCallFilterSet(FilterSet):
    purpose = django_filters.CharFilter()
    model = django_filters.CharFilter()
    outcome = django_filters.MultipleChoiceFilter(choices=Outcome.choices)
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    subject_type = django_filters.CharFilter(
        method="filter_subject_type", help_text="app_label.model, e.g. issues.issue"
    )
    subject_id = django_filters.CharFilter()
    request_hash = django_filters.CharFilter()

    class Meta:
        model = LLMCall
        fields = ["purpose", "model", "outcome", "subject_id", "request_hash"]

    def filter_subject_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(subject_type__app_label=app_label, subject_type__model=model)
