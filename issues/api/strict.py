"""Serializers that refuse unknown keys: a misspelt field is a 400, not silently ignored."""

from rest_framework import serializers


class StrictSerializerMixin:
    # Keys a client may send back from a GET representation; they are ignored, not errors.
    ignored_fields: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields) - self.ignored_fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)
