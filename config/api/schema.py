"""The OpenAPI schema says what the API really answers (drf-spectacular).

- Every error an operation can give is documented once here, not per view: 401/403/429 for all,
  400 where the operation reads input (a body or query parameters), 404 where it names an object
  in its path or pages a list. Each has the error format's schema (config/api/exceptions.py).
  Codes a view documents itself (409, 503, ...) get that schema too.
- What a field can be in a response is what the schema says: a read-only field whose default is
  None (`assignee_username`, `author_username`, `actor_username`, ...) or whose model column is
  nullable is `nullable`; a blank-able column (an e-mail, a URL) loses its `format`, as "" has none.
- A request body read by a strict serializer (config/api/strict.py) declares
  `additionalProperties: false`, as the serializer refuses unknown keys.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi

from config.api.strict import StrictSerializerMixin

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The error format of every API error.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "description": "Machine-readable, e.g. validation_error."},
                "message": {"type": "string"},
                "fields": {"type": "object", "description": "validation_error: the messages per field."},
            },
            "required": ["type", "message"],
        },
        "detail": {"type": "string", "description": "The message again (DRF's key)."},
    },
    "required": ["error", "detail"],
}
DESCRIPTIONS = {
    "400": "Invalid input: `validation_error` naming the fields, or a more specific type.",
    "401": "No or an invalid token.",
    "403": "Not allowed for this user.",
    "404": "No such object, or a page past the end.",
    "409": "Conflict with the current state.",
    "429": "Too many requests; see Retry-After.",
    "503": "Temporarily unavailable; see Retry-After.",
}
BODY_METHODS = {"post", "put", "patch"}


def _model_field(field):
    """The model column a serializer field shows, when it shows exactly one."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "response" or "$ref" in schema or "allOf" in schema:
            return schema
        column = _model_field(field)
        if (field.read_only and field.default is None) or getattr(column, "null", False):
            schema["nullable"] = True
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializerMixin):
            schema["additionalProperties"] = False
        if direction == "response":  # formats come from validators, mapped after each field
            for name, field in serializer.fields.items():
                prop = schema.get("properties", {}).get(name, {})
                if getattr(_model_field(field), "blank", False) and prop.get("format") in {"email", "uri"}:
                    del prop["format"]
        return schema


def _error_codes(path: str, method: str, operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    query = {parameter["name"] for parameter in parameters if parameter.get("in") == "query"}
    codes = {"401", "403", "429"}
    if method in BODY_METHODS or query:
        codes.add("400")
    if "{" in path or "page" in query:
        codes.add("404")
    return codes


def document_errors(result, generator, request, public):
    """Postprocessing hook: the error responses of every operation under /api/."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation) | {code for code in responses if code[0] in "45"}:
                response = responses.setdefault(code, {"description": DESCRIPTIONS.get(code, "Error.")})
                response.setdefault("content", content)
    return result
