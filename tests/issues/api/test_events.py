import pytest

from issues.models import Issue
from tests.issues.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _event(**overrides):
    return {
        "source": "Zendesk",
        "id": 48213,
        "title": "  Cannot   reset my password ",
        "description": "The link has expired.",
        "author": "jane@example.com",
        "createdAt": "2026-01-05T09:30:00Z",
        "project": "WEB",
        **overrides,
    }


@pytest.fixture
def project():
    return ProjectFactory(key="WEB")


def test_first_event_creates_a_normalised_issue(user_client, project):
    response = user_client.post("/api/events/", _event(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["body"], body["reporter"]) == (
        "Cannot reset my password",
        "The link has expired.",
        "jane@example.com",
    )
    assert (body["source"], body["external_id"], body["key"]) == ("zendesk", "48213", "WEB-1")
    assert body["created_at"].startswith("2026-01-05T09:30:00")


def test_the_same_event_again_is_a_200_with_the_same_issue(user_client, project):
    first = user_client.post("/api/events/", _event(), format="json")
    again = user_client.post("/api/events/", _event(source="zendesk", title="changed"), format="json")

    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert Issue.objects.count() == 1


def test_event_for_an_unknown_project_is_a_400(user_client, project):
    response = user_client.post("/api/events/", _event(project="NOPE"), format="json")

    assert (response.status_code, response.json()["error"]["type"]) == (400, "unknown_project")


@pytest.mark.parametrize(
    "overrides",
    [{"id": ""}, {"source": "  "}, {"title": ""}, {"createdAt": "yesterday"}, {"title": None}, {"extra": 1}],
)
def test_invalid_events_are_a_400_and_create_nothing(user_client, project, overrides):
    assert user_client.post("/api/events/", _event(**overrides), format="json").status_code == 400
    assert not Issue.objects.exists()


def test_a_long_title_is_cut_to_fit(user_client, project):
    body = user_client.post("/api/events/", _event(title="word " * 200), format="json").json()

    assert len(body["title"]) == 300
    assert body["title"].endswith("…")


@pytest.mark.parametrize("source", ["github", " GitHub "])
def test_the_github_source_is_reserved_for_the_webhook(user_client, project, source):
    response = user_client.post("/api/events/", _event(source=source), format="json")

    assert (response.status_code, response.json()["error"]["type"]) == (400, "reserved_source")
    assert not Issue.objects.exists()
