"""Admin lists that fit a 1400 px window: long text cut short, the whole value on hover.

`truncated` is the one way a list cell shortens text. `FittingListAdmin` applies it to every
column of a list that can hold long text (text, JSON and foreign-key columns, and display methods
returning plain text), and shows moments as "2026-12-02 14:05"; its admins derive from it
instead of `admin.ModelAdmin`.
"""

import json

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeData

# Characters a list cell shows before it cuts the text (about 350 px in the admin's font).
LIST_TEXT_CHARS = 48
ELLIPSIS = "…"


def truncated(value, limit: int = LIST_TEXT_CHARS):
    """Plain text cut to `limit` characters on one line; cut text carries its whole value in a
    `title` attribute (shown on hover). HTML-escaped either way."""
    if value is None:
        return None
    text = value if isinstance(value, str) else _as_text(value)
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]  # at a word's end when one is near
    return format_html('<span class="truncated" title="{}">{}{}</span>', text, cut.rstrip(), ELLIPSIS)


def short_datetime(value):
    """A moment as "2026-12-02 14:05" (local time), the full value on hover."""
    if value is None:
        return None
    local = timezone.localtime(value)
    shown = local.strftime("%Y-%m-%d\u00a0%H:%M")  # one line: no break between day and time
    return format_html('<span title="{}">{}</span>', local.isoformat(timespec="seconds"), shown)


def _as_text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _long_text_field(field) -> bool:
    if getattr(field, "flatchoices", None):
        return False
    return isinstance(field, models.CharField | models.TextField | models.JSONField | models.ForeignKey)


class FittingListAdmin(admin.ModelAdmin):
    """A ModelAdmin whose list cuts long cells short (see `truncated`) and shows moments short
    (see `short_datetime`).

    `list_text_chars` sets the cut for the whole list, `list_text_limits` per column name. Columns
    in `list_editable` and display methods that return HTML (links, icons) are left as they are:
    they shorten their own text with `truncated`."""

    list_text_chars = LIST_TEXT_CHARS
    list_text_limits: dict[str, int] = {}

    def get_list_display(self, request):
        return tuple(self._fitting_column(entry) for entry in super().get_list_display(request))

    def get_list_select_related(self, request):
        """Django joins the related rows of foreign-key columns it finds in list_display by name;
        the columns here are functions, so the rule is applied to the names they stand for."""
        if self.list_select_related is not False:
            return super().get_list_select_related(request)
        for name in super().get_list_display(request):
            try:
                field = self.model._meta.get_field(name)
            except (FieldDoesNotExist, TypeError):  # not a field; or a callable
                continue
            if isinstance(field.remote_field, models.ManyToOneRel) and name != field.attname:
                return True
        return False

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links:
            return links
        by_name = {getattr(entry, "column_name", None): entry for entry in list_display}
        return [by_name.get(link, link) for link in links]

    def _fitting_column(self, entry):
        if not isinstance(entry, str) or entry in self.list_editable or entry == "action_checkbox":
            return entry
        limit = self.list_text_limits.get(entry, self.list_text_chars)
        try:
            field = self.model._meta.get_field(entry)
        except FieldDoesNotExist:
            return self._fitting_method(entry, limit)
        if isinstance(field, models.DateTimeField):
            return _column(
                entry, lambda obj: short_datetime(getattr(obj, field.name)), limit, field.verbose_name, entry
            )
        if not _long_text_field(field):
            return entry
        return _column(entry, lambda obj: getattr(obj, field.name), limit, field.verbose_name, field.name)

    def _fitting_method(self, name, limit):
        """A display method of the admin, or a method or property of the model (`__str__` too)."""
        attr = getattr(self, name) if hasattr(self, name) and name != "__str__" else getattr(self.model, name, None)
        attr = attr.fget if isinstance(attr, property) else attr
        if getattr(attr, "boolean", False):
            return name
        return _column(
            name,
            lambda obj: lookup_field(name, obj, self)[2],
            limit,
            label_for_field(name, self.model, self),
            getattr(attr, "admin_order_field", None),
        )


def _column(name, read, limit, description, ordering):
    def column(obj):
        value = read(obj)
        if isinstance(value, SafeData) or not isinstance(value, str | dict | list | models.Model):
            return value  # HTML made by the method itself, or a number, a date, None
        return truncated(value, limit)

    column.__name__ = column.column_name = name  # keeps the cells' CSS classes: field-<name>, column-<name>
    column.short_description = description
    if ordering:
        column.admin_order_field = ordering
    return column
