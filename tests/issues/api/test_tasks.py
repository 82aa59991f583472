import pytest

from issues.models import Task
from tests.issues.factories import IssueFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_create_task_from_an_issue(user_client):
    issue = IssueFactory()

    response = user_client.post(
        "/api/tasks/",
        {"project": issue.project_id, "issue": issue.pk, "title": "Fix", "estimated_hours": "2.5"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["issue"], body["estimated_hours"], body["version"], body["status"]) == (issue.pk, "2.50", 1, "todo")


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "x", "priority": 0},
        {"title": "x", "priority": "high"},
        {"title": "x", "status": "open"},
        {"title": "x", "estimated_hours": "-1"},
        {"title": "x", "estimated_hours": "lots"},
        {"title": ""},
    ],
)
def test_create_task_with_bad_input_is_a_400(user_client, payload):
    project = ProjectFactory()

    assert user_client.post("/api/tasks/", {"project": project.pk, **payload}, format="json").status_code == 400
    assert not Task.objects.exists()


def test_task_for_an_issue_of_another_project_is_a_400(user_client):
    response = user_client.post(
        "/api/tasks/", {"project": ProjectFactory().pk, "issue": IssueFactory().pk, "title": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "issue" in response.json()["error"]["fields"]


def test_filter_tasks_by_project_status_and_issue(user_client):
    issue = IssueFactory()
    wanted = TaskFactory(project=issue.project, issue=issue, status="in_progress")
    TaskFactory(project=issue.project, status="in_progress")
    TaskFactory(project=issue.project, issue=issue, status="done")

    rows = user_client.get(f"/api/tasks/?project={issue.project.key}&status=in_progress&issue={issue.pk}").json()

    assert [row["id"] for row in rows["results"]] == [wanted.pk]


def test_patch_task_needs_the_current_version(user_client):
    task = TaskFactory()

    missing = user_client.patch(f"/api/tasks/{task.pk}/", {"status": "done"}, format="json")
    ok = user_client.patch(f"/api/tasks/{task.pk}/", {"version": 1, "status": "done"}, format="json")
    stale = user_client.patch(f"/api/tasks/{task.pk}/", {"version": 1, "status": "todo"}, format="json")

    assert missing.status_code == 400
    assert (ok.status_code, ok.json()["version"]) == (200, 2)
    assert (stale.status_code, stale.json()["error"]["current_version"]) == (409, 2)
    assert Task.objects.get(pk=task.pk).status == "done"


def test_task_list_query_count_is_constant(user_client, django_assert_num_queries):
    TaskFactory.create_batch(30)

    with django_assert_num_queries(3):  # token, count, page
        user_client.get("/api/tasks/?page_size=30")


def test_task_activity_is_for_staff(user_client, staff_client):
    task = TaskFactory()
    user_client.patch(f"/api/tasks/{task.pk}/", {"version": 1, "priority": 1}, format="json")

    assert user_client.get(f"/api/tasks/{task.pk}/activity/").status_code == 403
    rows = staff_client.get(f"/api/tasks/{task.pk}/activity/").json()["results"]
    assert [(row["field"], row["new_value"]) for row in rows] == [("priority", 1)]


def test_delete_task(user_client):
    task = TaskFactory()

    assert user_client.delete(f"/api/tasks/{task.pk}/").status_code == 204
    assert not Task.objects.exists()
