from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.jobs.state import JobState
from config.ops.staff import TRIAGE_STAFF_GROUP
from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment, Feedback
from issues.actors import Actor
from issues.models import Task
from issues.services import task_update
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

FEEDBACK_URL = "/api/feedback/"


def adjustment_url(adjustment, verb):
    return f"/api/adjustments/{adjustment.pk}/{verb}/"


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _granted(user, codename):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="feedback", codename=codename))
    return user


@pytest.fixture
def user(db):
    """The user of this module's requests is in the triage staff group: it may decide adjustments."""
    member = UserFactory()
    member.groups.add(Group.objects.get(name=TRIAGE_STAFF_GROUP))
    return member


def test_post_answers_202_with_id_and_pending_state_and_queues_processing(
    user_client, django_capture_on_commit_callbacks
):
    project = ProjectFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        response = user_client.post(FEEDBACK_URL, {"project": project.pk, "text": "Export is slow"})

    assert response.status_code == 202
    assert response.json()["state"] == JobState.PENDING
    assert Feedback.objects.get(pk=response.json()["id"]).project == project
    assert len(callbacks) == 1


def test_post_accepts_the_project_key_and_a_task(user_client):
    task = TaskFactory()

    response = user_client.post(FEEDBACK_URL, {"project": task.project.key, "task": task.pk, "text": "Too slow"})

    assert response.status_code == 202
    assert (response.json()["project"], response.json()["task"]) == (task.project.pk, task.pk)


def _deleted_task_id():
    task = TaskFactory()
    task_id = task.pk
    task.delete()
    return task_id


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (lambda project: {"project": 999_999, "text": "Hello"}, "project"),
        (lambda project: {"project": "NOPE", "text": "Hello"}, "project"),
        (lambda project: {"project": project.pk, "text": ""}, "text"),
        (lambda project: {"project": project.pk, "text": "   "}, "text"),
        (lambda project: {"project": project.pk, "text": "x" * 10_001}, "text"),
        (lambda project: {"project": project.pk, "task": _deleted_task_id(), "text": "Hello"}, "task"),
        (lambda project: {"project": project.pk, "task": TaskFactory().pk, "text": "Hello"}, "task"),
        (lambda project: {"text": "Hello"}, "project"),
        (lambda project: {"project": project.pk, "text": 5}, "text"),
        (lambda project: {"project": project.pk + 0.5, "text": "Hello"}, "project"),
        (lambda project: {"project": project.pk, "text": "Hello", "priority": "high"}, "priority"),
    ],
    ids=[
        "unknown-project",
        "unknown-key",
        "empty",
        "blank",
        "too-long",
        "deleted-task",
        "foreign-task",
        "no-project",
        "number-as-text",
        "float-project",
        "unknown-field",
    ],
)
def test_bad_feedback_is_a_400_and_nothing_is_stored_or_queued(
    user_client, django_capture_on_commit_callbacks, payload, field
):
    project = ProjectFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        response = user_client.post(FEEDBACK_URL, payload(project), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert (Feedback.objects.count(), callbacks) == (0, [])


def test_post_needs_authentication(api_client):
    response = api_client.post(FEEDBACK_URL, {"project": ProjectFactory().pk, "text": "Hi"})

    assert response.status_code == 401


def test_detail_shows_state_summary_and_adjustments(user_client):
    adjustment = AdjustmentFactory(feedback=FeedbackFactory(summary="Export too slow"))

    body = user_client.get(f"{FEEDBACK_URL}{adjustment.feedback.pk}/").json()

    assert (body["state"], body["summary"]) == ("done", "Export too slow")
    assert [(a["id"], a["type"], a["state"]) for a in body["adjustments"]] == [
        (adjustment.pk, "task_priority", "proposed")
    ]


def test_a_failed_feedback_shows_its_error(user_client):
    feedback = FeedbackFactory(state=JobState.FAILED, error="LLM not configured")

    body = user_client.get(f"{FEEDBACK_URL}{feedback.pk}/").json()

    assert (body["state"], body["error"]) == ("failed", "LLM not configured")


def _ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_list_filters_by_project(user_client):
    mine, _ = FeedbackFactory(), FeedbackFactory()

    assert _ids(user_client.get(FEEDBACK_URL, {"project": mine.project.pk})) == [mine.pk]


def test_list_filters_by_state(user_client):
    failed, _ = FeedbackFactory(state=JobState.FAILED), FeedbackFactory()

    assert _ids(user_client.get(FEEDBACK_URL, {"state": "failed"})) == [failed.pk]


def test_list_filters_by_date(user_client):
    old, today = FeedbackFactory(), FeedbackFactory()
    Feedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))

    assert _ids(user_client.get(FEEDBACK_URL, {"date": timezone.now().date().isoformat()})) == [today.pk]


def test_list_query_count_does_not_grow_with_rows(user_client, django_assert_num_queries):
    for _ in range(3):
        AdjustmentFactory.create_batch(2, feedback=FeedbackFactory())

    # auth token, count, page, adjustments prefetch, decided_by prefetch (empty: skipped)
    with django_assert_num_queries(4):
        response = user_client.get(FEEDBACK_URL)

    assert response.json()["count"] == 3


def test_apply_changes_the_task(user_client):
    adjustment = AdjustmentFactory(proposed_value=1)

    response = user_client.post(adjustment_url(adjustment, "apply"))

    assert response.status_code == 200
    assert response.json()["state"] == AdjustmentState.APPLIED
    assert Task.objects.get(pk=adjustment.task_id).priority == 1


def test_apply_after_the_task_was_edited_answers_409_with_the_current_version(user_client, user):
    adjustment = AdjustmentFactory(proposed_value=1)
    edited = task_update(task=adjustment.task, version=adjustment.task_version, actor=Actor.of_user(user), title="X")

    response = user_client.post(adjustment_url(adjustment, "apply"))

    assert response.status_code == 409
    assert response.json()["error"]["type"] == "version_conflict"
    assert response.json()["error"]["current_version"] == edited.version
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_apply_with_force_true_applies_a_stale_adjustment(user_client, user):
    adjustment = AdjustmentFactory(proposed_value=1)
    task_update(task=adjustment.task, version=adjustment.task_version, actor=Actor.of_user(user), title="X")

    response = user_client.post(adjustment_url(adjustment, "apply"), {"force": True})

    assert (response.status_code, response.json()["forced"]) == (200, True)
    assert Task.objects.get(pk=adjustment.task_id).priority == 1


def test_apply_with_force_as_a_query_parameter(user_client, user):
    adjustment = AdjustmentFactory(proposed_value=1)
    task_update(task=adjustment.task, version=adjustment.task_version, actor=Actor.of_user(user), title="X")

    response = user_client.post(adjustment_url(adjustment, "apply") + "?force=true")

    assert response.status_code == 200


def test_reject_records_the_reason_and_a_later_apply_answers_409(user_client, user):
    adjustment = AdjustmentFactory(proposed_value=1)

    rejected = user_client.post(adjustment_url(adjustment, "reject"), {"reason": "PM sets priorities"})
    applied = user_client.post(adjustment_url(adjustment, "apply"))

    assert (rejected.status_code, rejected.json()["rejection_reason"]) == (200, "PM sets priorities")
    assert rejected.json()["decided_by"] == user.username
    assert (applied.status_code, applied.json()["error"]["type"]) == (409, "already_decided")
    assert Task.objects.get(pk=adjustment.task_id).priority == 3


def test_reject_without_a_reason(user_client):
    adjustment = AdjustmentFactory()

    response = user_client.post(adjustment_url(adjustment, "reject"))

    assert (response.status_code, response.json()["state"]) == (200, AdjustmentState.REJECTED)


def test_apply_of_an_unknown_adjustment_is_404(user_client):
    response = user_client.post("/api/adjustments/999999/apply/")

    assert (response.status_code, response.json()["error"]["type"]) == (404, "not_found")


def test_stats_reflect_decisions_per_type_and_project(user_client):
    first, second = ProjectFactory(), ProjectFactory()
    feedback = FeedbackFactory(project=first)
    applied = AdjustmentFactory.create_batch(3, feedback=feedback)
    rejected = AdjustmentFactory(feedback=feedback)
    AdjustmentFactory(feedback=FeedbackFactory(project=second), type=AdjustmentType.GENERAL, task=None)
    for adjustment in applied:
        user_client.post(adjustment_url(adjustment, "apply"))
    user_client.post(adjustment_url(rejected, "reject"), {"reason": "no"})

    body = user_client.get(f"{FEEDBACK_URL}stats/").json()

    by_type = {row["type"]: row for row in body["by_type"]}
    by_project = {row["project_key"]: row for row in body["by_project"]}
    assert by_type["task_priority"] == {
        "type": "task_priority",
        "proposed": 0,
        "applied": 3,
        "rejected": 1,
        "acceptance_rate": 0.75,
    }
    assert by_type["general"]["acceptance_rate"] is None
    assert by_project[first.key]["acceptance_rate"] == 0.75
    assert (by_project[second.key]["proposed"], by_project[second.key]["acceptance_rate"]) == (1, None)
    assert body["overall"] == {"proposed": 1, "applied": 3, "rejected": 1, "acceptance_rate": 0.75}


def test_stats_narrowed_to_one_project(user_client):
    mine = AdjustmentFactory()
    AdjustmentFactory()
    user_client.post(adjustment_url(mine, "reject"))

    body = user_client.get(f"{FEEDBACK_URL}stats/", {"project": mine.feedback.project_id}).json()

    assert body["overall"] == {"proposed": 0, "applied": 0, "rejected": 1, "acceptance_rate": 0.0}


def test_rerun_requeues_failed_feedback(staff_client, django_capture_on_commit_callbacks):
    feedback = FeedbackFactory(state=JobState.FAILED, error="boom", attempts=6)

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(f"{FEEDBACK_URL}{feedback.pk}/rerun/")

    assert (response.status_code, response.json()["state"], response.json()["error"]) == (202, "pending", "")
    assert len(callbacks) == 1


def test_rerun_of_done_feedback_answers_409(staff_client):
    feedback = FeedbackFactory(state=JobState.DONE)

    response = staff_client.post(f"{FEEDBACK_URL}{feedback.pk}/rerun/")

    assert (response.status_code, response.json()["error"]["type"]) == (409, "not_rerunnable")


def test_rerun_is_for_staff_only(user_client):
    feedback = FeedbackFactory(state=JobState.FAILED)

    response = user_client.post(f"{FEEDBACK_URL}{feedback.pk}/rerun/")

    assert response.status_code == 403
    assert Feedback.objects.get(pk=feedback.pk).state == JobState.FAILED


@pytest.mark.parametrize("verb", ["apply", "reject"])
def test_a_user_without_the_decide_permission_gets_403_and_the_adjustment_stays_proposed(verb):
    adjustment = AdjustmentFactory(proposed_value=1)

    response = _client(UserFactory()).post(adjustment_url(adjustment, verb))

    assert (response.status_code, response.json()["error"]["type"]) == (403, "permission_denied")
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


@pytest.mark.parametrize(
    "make_user",
    [lambda: UserFactory(is_staff=True), lambda: _granted(UserFactory(), "decide_adjustment")],
    ids=["staff", "granted"],
)
def test_staff_or_a_user_granted_decide_adjustment_may_apply(make_user):
    adjustment = AdjustmentFactory(proposed_value=1)

    response = _client(make_user()).post(adjustment_url(adjustment, "apply"))

    assert response.status_code == 200, response.content
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.APPLIED
