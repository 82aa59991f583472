"""issues/fields.py is the one list of the issue's fields: what shows where is taken from it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.issues_api import issue_columns
from issues.api.serializers import IssueCreateSerializer, IssueUpdateSerializer
from issues.fields import (
    ADMIN_READ_ONLY_FIELDS,
    ALL_FIELDS,
    API_FIELDS,
    CREATE_FIELDS,
    EDITABLE_FIELDS,
    TRIAGE_FIELDS,
)
from issues.models import Issue
from issues.triage.schemas import TriageOutput
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db

COLUMNS = {field.name: field.attname for field in Issue._meta.concrete_fields}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_column_of_the_issue_model_is_declared():
    assert set(COLUMNS) - set(ALL_FIELDS) == set()


def test_the_issue_json_has_the_declared_fields_in_the_declared_order(user_client):
    IssueFactory()

    listed = user_client.get("/api/issues/").json()["results"][0]

    assert list(listed) == list(API_FIELDS)


def test_the_list_query_reads_the_columns_of_the_api_and_no_other(user_client):
    IssueFactory()
    hidden = {COLUMNS[name] for name in COLUMNS if name not in API_FIELDS}

    with CaptureQueriesContext(connection) as queries:
        user_client.get("/api/issues/")

    page = next(query["sql"] for query in queries.captured_queries if '"issues_issue"."title"' in query["sql"])
    read = {column for column in COLUMNS.values() if f'"issues_issue"."{column}"' in page}
    assert read == {COLUMNS[name] for name in API_FIELDS if name in COLUMNS}
    assert read.isdisjoint(hidden) and "triage_attempts" in hidden


def test_the_write_serializers_take_the_declared_fields():
    assert list(IssueUpdateSerializer().fields) == ["version", *EDITABLE_FIELDS, "labels"]
    assert list(IssueCreateSerializer().fields) == [*CREATE_FIELDS, "labels", "create_missing_labels"]


def test_a_field_that_is_not_editable_is_refused_by_patch(user_client):
    issue = IssueFactory()

    response = user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "triage_attempts": 3}, format="json")

    assert response.status_code == 400
    assert "triage_attempts" in response.json()["error"]["fields"]


def test_the_admin_change_form_shows_the_editable_fields_and_the_declared_read_only_ones(admin_client):
    issue = IssueFactory()

    response = admin_client.get(f"/admin/issues/issue/{issue.pk}/change/")

    form = response.context["adminform"]
    shown = [name for fieldset in form.fieldsets for name in fieldset[1]["fields"]]
    assert [name for name in shown if name in EDITABLE_FIELDS] == list(EDITABLE_FIELDS)
    assert [name for name in shown if name in ADMIN_READ_ONLY_FIELDS] == list(ADMIN_READ_ONLY_FIELDS)
    assert set(form.form.fields) >= set(EDITABLE_FIELDS)
    assert set(form.form.fields).isdisjoint(ADMIN_READ_ONLY_FIELDS)


def test_each_field_triage_sets_is_in_its_schema_and_has_a_shown_set_by_human_flag():
    for name in TRIAGE_FIELDS:
        assert name in TriageOutput.model_fields
        assert name in EDITABLE_FIELDS
        assert f"{name}_set_by_human" in API_FIELDS and f"{name}_set_by_human" in ADMIN_READ_ONLY_FIELDS


def test_the_benchmark_loader_fills_every_declared_column_but_the_id():
    columns = issue_columns()

    assert set(columns["copy"]) == {COLUMNS[name] for name in ALL_FIELDS if name in COLUMNS} - {"id"}
    assert columns["copy"]["triage_attempts"] == 0
