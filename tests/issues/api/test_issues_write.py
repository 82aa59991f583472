import pytest

from issues.models import Activity, Issue
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] == body["error"]["message"]
    return body["error"]


def test_create_issue_numbers_it_and_records_the_user(user_client, user, django_capture_on_commit_callbacks):
    project = ProjectFactory(key="WEB")
    LabelFactory(project=project, name="bug")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = user_client.post(
            "/api/issues/",
            {"project": project.pk, "title": "Broken", "priority": "high", "labels": ["bug"]},
            format="json",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["key"], body["priority"], body["labels"], body["version"]) == ("WEB-1", "high", ["bug"], 1)
    assert Activity.objects.get(issue_id=body["id"]).actor == user
    assert len(callbacks) == 1  # triage enqueued on commit


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x"}, "project"),
        ({"project": "WEB", "title": "x"}, "project"),
        ({"project": 999999, "title": "x"}, "project"),
        ({"project": 1.5, "title": "x"}, "project"),
        ({"project": True, "title": "x"}, "project"),
        ({"title": 5}, "title"),
        ({"title": "x", "body": 0}, "body"),
        ({"title": "x", "reporter": 7}, "reporter"),
        ({"title": "x", "labels": [5]}, "labels"),
        ({"title": "x", "assignee": 1.5}, "assignee"),
        ({"title": "x", "triage": True}, "triage"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "x", "status": "bogus"}, "status"),
        ({"title": "x", "priority": 3}, "priority"),
        ({"title": "x", "type": ["bug"]}, "type"),
        ({"title": "x", "assignee": "alice"}, "assignee"),
        ({"title": "x", "labels": "bug"}, "labels"),
        ({"title": "x", "body": "b" * 70_000}, "body"),
        ({"title": "x", "number": 7}, "number"),
    ],
)
def test_create_with_bad_input_is_a_400_naming_the_field_and_creates_nothing(user_client, payload, field):
    project = ProjectFactory()
    payload = {"project": project.pk, **payload} if "project" not in payload and field != "project" else payload

    error = _error(user_client.post("/api/issues/", payload, format="json"), 400)

    assert error["type"] == "validation_error"
    assert field in error["fields"]
    assert not Issue.objects.exists()


def test_create_with_a_float_project_id_creates_nothing_even_in_the_project_it_rounds_to(user_client):
    project = ProjectFactory()

    error = _error(user_client.post("/api/issues/", {"project": project.pk + 0.5, "title": "x"}, format="json"), 400)

    assert list(error["fields"]) == ["project"]
    assert not Issue.objects.exists()


def test_create_accepts_the_project_key(user_client):
    project = ProjectFactory(key="WEB")

    response = user_client.post("/api/issues/", {"project": "web", "title": "By key"}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["project"], response.json()["key"]) == (project.pk, "WEB-1")


def test_create_with_unknown_labels_is_a_400_listing_them(user_client):
    project = ProjectFactory()

    error = _error(
        user_client.post("/api/issues/", {"project": project.pk, "title": "x", "labels": ["ghost"]}, format="json"),
        400,
    )

    assert (error["type"], error["labels"]) == ("unknown_labels", ["ghost"])
    assert not Issue.objects.exists()


def test_malformed_json_is_a_400_parse_error(user_client):
    response = user_client.generic("POST", "/api/issues/", "{not json", content_type="application/json")

    assert _error(response, 400)["type"] == "parse_error"


def test_a_json_list_body_is_a_400(user_client):
    assert _error(user_client.post("/api/issues/", [1, 2], format="json"), 400)["type"] == "validation_error"


def test_patch_changes_fields_with_the_current_version(user_client):
    issue = IssueFactory(status="open")

    response = user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "status": "resolved"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"], body["resolved_at"] is not None) == ("resolved", 2, True)


def test_patch_without_version_is_a_400_and_changes_nothing(user_client):
    issue = IssueFactory(status="open")

    error = _error(user_client.patch(f"/api/issues/{issue.pk}/", {"status": "closed"}, format="json"), 400)

    assert "version" in error["fields"]
    assert Issue.objects.get(pk=issue.pk).status == "open"


def test_patch_with_a_stale_version_is_a_409_with_the_current_version(user_client):
    issue = IssueFactory(title="Before")
    user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "title": "First"}, format="json")

    error = _error(user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "title": "Second"}, format="json"), 409)

    assert (error["type"], error["current_version"]) == ("version_conflict", 2)
    assert Issue.objects.get(pk=issue.pk).title == "First"


def test_patch_with_a_wrongly_typed_version_is_a_400(user_client):
    issue = IssueFactory()

    error = _error(user_client.patch(f"/api/issues/{issue.pk}/", {"version": "one", "title": "x"}, format="json"), 400)

    assert "version" in error["fields"]


def test_patch_with_an_unknown_field_is_a_400(user_client):
    issue = IssueFactory()

    error = _error(user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "titel": "x"}, format="json"), 400)

    assert "titel" in error["fields"]
    assert Issue.objects.get(pk=issue.pk).version == 1


def test_patch_ignores_read_only_fields_sent_back_from_a_get(user_client):
    issue = IssueFactory()
    representation = user_client.get(f"/api/issues/{issue.pk}/").json()

    response = user_client.patch(f"/api/issues/{issue.pk}/", {**representation, "title": "Renamed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"


def test_patch_assigns_a_user_by_id(user_client):
    issue = IssueFactory()
    alice = UserFactory(username="alice")

    response = user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "assignee": alice.pk}, format="json")

    assert response.json()["assignee_username"] == "alice"


def test_put_needs_every_editable_field(user_client):
    issue = IssueFactory()

    error = _error(user_client.put(f"/api/issues/{issue.pk}/", {"version": 1, "title": "only"}, format="json"), 400)

    assert {"status", "priority", "type"} <= set(error["fields"])


def test_put_replaces_the_editable_fields(user_client):
    issue = IssueFactory()
    payload = {
        "version": 1,
        "title": "New",
        "body": "",
        "status": "in_progress",
        "priority": "low",
        "type": "chore",
        "assignee": None,
    }

    body = user_client.put(f"/api/issues/{issue.pk}/", payload, format="json").json()

    assert (body["title"], body["status"], body["priority"], body["type"], body["version"]) == (
        "New",
        "in_progress",
        "low",
        "chore",
        2,
    )
    assert body["priority_set_by_human"] is True


def test_delete_is_for_staff(user_client, staff_client):
    issue = IssueFactory()

    assert _error(user_client.delete(f"/api/issues/{issue.pk}/"), 403)["type"] == "permission_denied"
    assert staff_client.delete(f"/api/issues/{issue.pk}/").status_code == 204
    assert not Issue.objects.exists()


def test_unknown_issue_is_a_404(user_client):
    assert _error(user_client.get("/api/issues/999999/"), 404)["type"] == "not_found"
