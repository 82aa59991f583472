"""Strict input for every API endpoint (README: "a wrong type or an unknown field is a 400").

- Write serializers refuse keys they do not know and values of the wrong JSON type: a string
  field takes only a string (not 5), an integer or an id only an integer (not 1.5, not true).
  Form data and query strings carry only strings, so there an integer may be written "5".
- Lists refuse a `page_size` that is not an integer from 1 to the maximum (config/api/pagination.py)
  and an `ordering` naming a field they cannot be sorted by (StrictOrderingFilter below).
Every refusal is a 400 `validation_error` whose `fields` name the parameter.
"""

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.encoding import force_str
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.filters import OrderingFilter

UNKNOWN_FIELD = "Unknown field."
NOT_A_STRING = "Not a valid string."
NOT_AN_INTEGER = "A valid integer is required."


def _is_integer(value, *, text_allowed: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return text_allowed and isinstance(value, str)  # the field itself parses and checks the text


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class TextOrIntegerField(serializers.CharField):
    """Text that a client may also send as a JSON integer (an outside system's id); kept as text."""


def wrong_type(field: serializers.Field, value, *, text_allowed: bool):
    """What is wrong with the type of `value` for `field` (None: nothing; the field checks the rest)."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ManyRelatedField):
        return _wrong_items(field.child_relation, value, text_allowed=text_allowed)
    if isinstance(field, serializers.ListField) and field.child is not None:
        return _wrong_items(field.child, value, text_allowed=text_allowed)
    if isinstance(field, TextOrIntegerField):
        return None if isinstance(value, str) or _is_integer(value, text_allowed=False) else [NOT_A_STRING]
    if isinstance(field, serializers.CharField) and not isinstance(value, str):
        return [NOT_A_STRING]
    if isinstance(field, serializers.IntegerField) and not _is_integer(value, text_allowed=text_allowed):
        return [NOT_AN_INTEGER]
    if (
        isinstance(field, serializers.PrimaryKeyRelatedField)
        and field.pk_field is None
        and not _is_integer(value, text_allowed=text_allowed)
    ):
        return [field.error_messages["incorrect_type"].format(data_type=type(value).__name__)]
    return None


def _wrong_items(child, value, *, text_allowed: bool):
    if not isinstance(value, list):
        return None  # the list field says "Expected a list"
    errors = {}
    for index, item in enumerate(value):
        problem = wrong_type(child, item, text_allowed=text_allowed)
        if problem:
            errors[index] = problem
    return errors or None


class StrictSerializerMixin:
    """Put first in the bases of every serializer that reads a request body."""

    # Keys a client may send back from a GET representation; they are ignored, not errors.
    ignored_fields: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            text_allowed = isinstance(data, QueryDict)
            errors = {name: [UNKNOWN_FIELD] for name in sorted(set(data) - set(self.fields) - self.ignored_fields)}
            for name, field in self.fields.items():
                if name in data and not field.read_only:
                    problem = wrong_type(field, data[name], text_allowed=text_allowed)
                    if problem:
                        errors[name] = problem
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` with a field the list cannot be sorted by is a 400, not silently ignored."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in fields if term.removeprefix("-") not in valid]
        if unknown:
            message = f"Cannot order by {', '.join(unknown)}; choose from {', '.join(sorted(valid))}."
            raise serializers.ValidationError({self.ordering_param: [message]})
        return fields

    def get_schema_operation_parameters(self, view):
        try:
            valid = sorted(name for name, _label in self.get_valid_fields(view.get_queryset(), view, {}))
        except Exception:  # a view whose queryset needs a request: describe the parameter only
            valid = []
        description = force_str(self.ordering_description)
        if valid:
            description += f" One or more of {', '.join(valid)}, comma-separated; a leading - reverses."
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string"},
            }
        ]
