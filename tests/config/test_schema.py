import json

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_openapi_schema_generates_without_warnings_and_is_valid(tmp_path):
    schema_file = tmp_path / "schema.json"

    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(schema_file))

    schema = json.loads(schema_file.read_text())
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_and_docs_are_served(user_client):
    assert user_client.get("/api/schema/").status_code == 200
    docs = user_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/")
    ]


def _component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_json_request_body_refuses_unknown_fields(schema):
    bodies = {
        f"{method.upper()} {path}": _component(schema, content["schema"]["$ref"])
        for path, method, operation in _operations(schema)
        for media, content in operation.get("requestBody", {}).get("content", {}).items()
        if media == "application/json" and "$ref" in content["schema"]
    }

    assert bodies
    assert [name for name, body in bodies.items() if body.get("additionalProperties") is not False] == []


def _is_error_format(response: dict) -> bool:
    return response.get("content", {}).get("application/json", {}).get("schema") == {
        "$ref": "#/components/schemas/Error"
    }


def test_every_api_operation_documents_its_errors_in_the_error_format(schema):
    missing = []
    for path, method, operation in _operations(schema):
        expected = {"401", "403", "429"} | ({"404"} if "{" in path else set())
        expected |= {"400"} if method in ("post", "put", "patch") else set()
        documented = {
            code
            for code, response in operation["responses"].items()
            if response.get("content", {})
            .get("application/json", {})
            .get("schema", {})
            .get("$ref", "")
            .endswith("/Error")
        }
        missing += [f"{method.upper()} {path} {code}" for code in sorted(expected - documented)]

    assert missing == []


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Issue", "assignee_username"),
        ("Comment", "author_username"),
        ("Activity", "actor_username"),
        ("Adjustment", "decided_by"),
        ("Issue", "resolved_at"),
    ],
)
def test_fields_that_can_be_null_are_declared_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True
