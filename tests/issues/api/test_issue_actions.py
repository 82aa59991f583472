import pytest
from django.utils import timezone

from issues.models import Issue, Label
from tests.issues.factories import CommentFactory, IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_comments_are_listed_oldest_first(user_client):
    issue = IssueFactory()
    first, second = CommentFactory(issue=issue), CommentFactory(issue=issue)
    CommentFactory()

    body = user_client.get(f"/api/issues/{issue.pk}/comments/").json()

    assert [row["id"] for row in body["results"]] == [first.pk, second.pk]


def test_posting_a_comment_records_the_author_and_unarchives(user_client, user):
    issue = IssueFactory(archived_at=timezone.now())

    response = user_client.post(f"/api/issues/{issue.pk}/comments/", {"body": "Still broken"}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["author"], response.json()["body"]) == (user.pk, "Still broken")
    assert Issue.objects.get(pk=issue.pk).archived_at is None


def test_a_blank_comment_is_a_400(user_client):
    issue = IssueFactory()

    response = user_client.post(f"/api/issues/{issue.pk}/comments/", {"body": ""}, format="json")

    assert response.status_code == 400
    assert not issue.comments.exists()


def test_put_labels_replaces_them(user_client):
    project = ProjectFactory()
    old, new = LabelFactory(project=project, name="old"), LabelFactory(project=project, name="new")
    issue = IssueFactory(project=project, labels=[old])

    response = user_client.put(f"/api/issues/{issue.pk}/labels/", {"labels": ["new"]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["labels"] == ["new"]
    assert list(Issue.objects.get(pk=issue.pk).labels.all()) == [new]


def test_put_labels_with_unknown_names_is_a_400_listing_them_and_keeps_the_old_ones(user_client):
    project = ProjectFactory()
    old = LabelFactory(project=project, name="old")
    issue = IssueFactory(project=project, labels=[old])

    response = user_client.put(f"/api/issues/{issue.pk}/labels/", {"labels": ["old", "x", "y"]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["labels"] == ["x", "y"]
    assert list(Issue.objects.get(pk=issue.pk).labels.all()) == [old]


def test_put_labels_can_create_missing_ones(user_client):
    issue = IssueFactory()

    response = user_client.put(
        f"/api/issues/{issue.pk}/labels/", {"labels": ["fresh"], "create_missing": True}, format="json"
    )

    assert response.json()["labels"] == ["fresh"]
    assert Label.objects.filter(project=issue.project, name="fresh").exists()


def test_put_labels_with_an_empty_list_clears_them(user_client):
    project = ProjectFactory()
    issue = IssueFactory(project=project, labels=[LabelFactory(project=project)])

    assert user_client.put(f"/api/issues/{issue.pk}/labels/", {"labels": []}, format="json").json()["labels"] == []


def test_bulk_status_updates_all(user_client):
    issues = IssueFactory.create_batch(3)

    response = user_client.post(
        "/api/issues/bulk-status/", {"ids": [i.pk for i in issues], "status": "closed"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert sorted(response.json()["updated"]) == sorted(i.pk for i in issues)
    assert set(Issue.objects.values_list("status", flat=True)) == {"closed"}


def test_bulk_status_with_unknown_ids_is_a_400_naming_them_and_changes_nothing(user_client):
    issue = IssueFactory()

    response = user_client.post(
        "/api/issues/bulk-status/", {"ids": [issue.pk, 424242], "status": "closed"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"] | {"message": None} == {"type": "unknown_ids", "message": None, "ids": [424242]}
    assert Issue.objects.get(pk=issue.pk).status == "open"


@pytest.mark.parametrize(
    "payload",
    [{"ids": [], "status": "closed"}, {"ids": ["a"], "status": "closed"}, {"ids": [1], "status": "nope"}, {"ids": 1}],
)
def test_bulk_status_with_bad_input_is_a_400(user_client, payload):
    assert user_client.post("/api/issues/bulk-status/", payload, format="json").status_code == 400


def test_archive_and_unarchive(user_client):
    issue = IssueFactory()

    archived = user_client.post(f"/api/issues/{issue.pk}/archive/")
    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None

    unarchived = user_client.post(f"/api/issues/{issue.pk}/unarchive/")
    assert unarchived.json()["archived_at"] is None


def test_activity_is_visible_to_staff_only(user_client, staff_client):
    issue = IssueFactory()
    user_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "priority": "low"}, format="json")

    assert user_client.get(f"/api/issues/{issue.pk}/activity/").status_code == 403
    rows = staff_client.get(f"/api/issues/{issue.pk}/activity/").json()["results"]
    assert [(row["field"], row["old_value"], row["new_value"]) for row in rows] == [("priority", "medium", "low")]


def test_activity_of_a_non_numeric_issue_id_is_a_404(staff_client):
    response = staff_client.get("/api/issues/abc/activity/")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_activity_list_query_count_is_constant(staff_client, django_assert_num_queries):
    issue = IssueFactory()
    for index in range(20):
        Issue.objects.filter(pk=issue.pk).update(version=1)
        staff_client.patch(f"/api/issues/{issue.pk}/", {"version": 1, "title": f"t{index}"}, format="json")

    with django_assert_num_queries(4):  # token, issue, count, page (actors joined)
        staff_client.get(f"/api/issues/{issue.pk}/activity/?page_size=20")
