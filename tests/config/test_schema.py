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
