"""Pieces shared by the issue tracker's admin classes."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.db import connection
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_lists import truncated
from issues.actors import Actor

# Below this many rows a real COUNT(*) is cheap; above it an unfiltered list shows the planner's estimate.
EXACT_COUNT_UP_TO = 20_000


class EstimatedCountPaginator(Paginator):
    """Unfiltered admin lists of big tables count from PostgreSQL's statistics instead of a scan."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > EXACT_COUNT_UP_TO:
                return row[0]
        return super().count


class FastSelect(forms.Select):
    """A <select> rendered without a template per option.

    A list-editable page has a status, priority and assignee menu on each of its 50 rows;
    Django's template-per-option rendering made that most of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                ("" if key is None else key, mark_safe(" selected") if str(key or "") == selected else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """A search-as-you-type menu (the admin's autocomplete) that renders its selected option
    from `known_labels` ({value: label}) instead of a query: a list-editable page has one on each
    of its rows, and the rows already hold the related objects."""

    known_labels: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if v not in ("", None)]
        if any(v not in self.known_labels for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for key in selected:
            options.append(self.create_option(name, key, self.known_labels[key], True, len(options)))
        return [(None, options, 0)]


def admin_link(obj, label=None):
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, truncated(label or str(obj)))


def changelist_link(model, label, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def actor_of(request) -> Actor:
    return Actor.of_user(request.user)


class FieldConflictForm(forms.ModelForm):
    """A list-editable row that knows what the user saw.

    Each editable field posts its value as rendered (show_hidden_initial); a field the user
    changed that someone else changed meanwhile is an error instead of a silent overwrite, and
    fields the user did not touch are never written."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True

    def clean(self):
        cleaned = super().clean()
        for name in self.changed_data:
            field = self.fields[name]
            seen = field.to_python(self._widget_data_value(field.hidden_widget(), self[name].html_initial_name))
            current = self.get_initial_for_field(field, name)
            if _comparable(seen) != _comparable(current):
                self.add_error(name, f"Changed by someone else meanwhile (now {current or '-'}); reload the page.")
        return cleaned


def _comparable(value):
    return getattr(value, "pk", value)


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows related rows and changes none of them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


ACTIVITY_INLINE_FIELDS = ("created_at", "actor_type", "actor_name", "field", "old_value", "new_value")
