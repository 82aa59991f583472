import pytest

from issues.models import Label, Project
from tests.issues.factories import LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_create_and_list_projects(user_client):
    response = user_client.post(
        "/api/projects/", {"key": "WEB", "name": "Web", "github_repo": "acme/web"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert [row["key"] for row in user_client.get("/api/projects/").json()["results"]] == ["WEB"]


def test_projects_are_filtered_by_github_repo(user_client):
    ProjectFactory(key="WEB", github_repo="acme/web")
    ProjectFactory(key="API", github_repo="acme/api")

    rows = user_client.get("/api/projects/?github_repo=acme/api").json()["results"]

    assert [row["key"] for row in rows] == ["API"]


@pytest.mark.parametrize(
    "payload",
    [
        {"key": "web", "name": "lower-case key"},
        {"key": "W EB", "name": "space"},
        {"key": "WEB", "name": "x", "github_repo": "not a repo"},
        {"name": "no key"},
        {"key": "WEB", "name": "x", "archive_exempt_labels": "pinned"},
    ],
)
def test_create_project_with_bad_input_is_a_400(user_client, payload):
    assert user_client.post("/api/projects/", payload, format="json").status_code == 400
    assert not Project.objects.exists()


def test_duplicate_project_key_is_a_400(user_client):
    ProjectFactory(key="WEB")

    assert user_client.post("/api/projects/", {"key": "WEB", "name": "again"}, format="json").status_code == 400


def test_deleting_a_project_needs_the_delete_permission(user_client, staff_client):
    project = ProjectFactory()

    assert user_client.delete(f"/api/projects/{project.pk}/").status_code == 403
    assert staff_client.delete(f"/api/projects/{project.pk}/").status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_label_names_are_unique_per_project_ignoring_case(user_client):
    project = ProjectFactory()
    LabelFactory(project=project, name="Bug")

    response = user_client.post("/api/labels/", {"project": project.pk, "name": "bug"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert (
        user_client.post("/api/labels/", {"project": ProjectFactory().pk, "name": "bug"}, format="json").status_code
        == 201
    )


def test_labels_filter_by_project_key(user_client):
    project = ProjectFactory(key="WEB")
    mine = LabelFactory(project=project)
    LabelFactory()

    rows = user_client.get("/api/labels/?project=WEB").json()["results"]

    assert [row["id"] for row in rows] == [mine.pk]


def test_label_colour_must_be_hex(user_client):
    project = ProjectFactory()

    response = user_client.post("/api/labels/", {"project": project.pk, "name": "x", "colour": "red"}, format="json")

    assert response.status_code == 400
    assert not Label.objects.exists()
