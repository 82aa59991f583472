"""Kept for imports: the strict serializers of every app live in config/api/strict.py."""

from config.api.strict import StrictSerializerMixin

__all__ = ["StrictSerializerMixin"]
