"""Strict JSON schema for a pydantic output model (OpenAI structured outputs, strict mode).

Strict mode wants `additionalProperties: false` on every object, every property listed in
`required`, and no `default` keywords; optional fields stay expressible as `anyOf [..., null]`.
"""

import copy
import functools

from pydantic import BaseModel

_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")


@functools.lru_cache(maxsize=256)
def strict_schema(output: type[BaseModel]) -> dict:
    """Built once per output model (a cache hit must stay cheap); treat the result as read-only."""
    if not (isinstance(output, type) and issubclass(output, BaseModel)):
        raise TypeError(f"output must be a pydantic BaseModel subclass, not {output!r}")
    return _strict(copy.deepcopy(output.model_json_schema()))


def _strict(node: dict) -> dict:
    node.pop("default", None)
    for defs_key in ("$defs", "definitions"):
        for name, sub in node.get(defs_key, {}).items():
            node[defs_key][name] = _strict(sub)
    properties = node.get("properties")
    if isinstance(properties, dict):
        node["properties"] = {name: _strict(sub) for name, sub in properties.items()}
        node["required"] = list(properties)
    if node.get("type") == "object" or isinstance(properties, dict):
        node["additionalProperties"] = False
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [_strict(sub) for sub in node[key]]
    if "$ref" in node and len(node) > 1:
        # A $ref with sibling keywords (pydantic adds a description) is not accepted in strict
        # mode: keep the reference alone.
        node = {"$ref": node["$ref"]}
    return node


def schema_name(output: type[BaseModel]) -> str:
    """The `json_schema.name` sent to the provider: ^[a-zA-Z0-9_-]{1,64}$."""
    name = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in output.__name__)
    return name[:64] or "output"
