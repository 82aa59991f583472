from pydantic import BaseModel, Field

from llm.schema import schema_name, strict_schema


class Step(BaseModel):
    title: str
    hours: float | None = None


class Plan(BaseModel):
    summary: str = Field(default="", description="One line")
    steps: list[Step]


def test_every_object_is_closed_and_requires_all_its_properties():
    schema = strict_schema(Plan)

    assert (schema["additionalProperties"], schema["required"]) == (False, ["summary", "steps"])
    step = schema["$defs"]["Step"]
    assert (step["additionalProperties"], step["required"]) == (False, ["title", "hours"])


def test_defaults_are_dropped_and_optional_fields_stay_nullable():
    step = strict_schema(Plan)["$defs"]["Step"]["properties"]["hours"]

    assert "default" not in step
    assert {"type": "null"} in step["anyOf"]


def test_schema_name_is_safe_for_the_provider():
    assert schema_name(Plan) == "Plan"
