import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission

from config.jobs.state import JobState
from feedback.choices import AdjustmentState
from feedback.models import Adjustment, Feedback
from issues.models import Task
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ADJUSTMENTS = "/admin/feedback/adjustment/"


def test_feedback_page_shows_its_adjustments_inline(admin_client):
    adjustment = AdjustmentFactory(description="Raise the export priority")

    response = admin_client.get(f"/admin/feedback/feedback/{adjustment.feedback_id}/change/")

    assert response.status_code == 200
    assert "Raise the export priority" in response.content.decode()


def test_apply_action_applies_the_selected_adjustments(admin_client):
    chosen, other = AdjustmentFactory(proposed_value=1), AdjustmentFactory(proposed_value=1)

    admin_client.post(ADJUSTMENTS, {"action": "apply_selected", ACTION_CHECKBOX_NAME: [chosen.pk]})

    assert Task.objects.get(pk=chosen.task_id).priority == 1
    assert Adjustment.objects.get(pk=other.pk).state == AdjustmentState.PROPOSED


def test_apply_action_reports_a_stale_adjustment_and_leaves_it_proposed(admin_client):
    adjustment = AdjustmentFactory(proposed_value=1)
    Task.objects.filter(pk=adjustment.task_id).update(version=adjustment.task_version + 1)

    response = admin_client.post(
        ADJUSTMENTS, {"action": "apply_selected", ACTION_CHECKBOX_NAME: [adjustment.pk]}, follow=True
    )

    assert f"#{adjustment.pk}" in response.content.decode()
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_reject_action_asks_for_a_reason_then_records_it(admin_client):
    adjustment = AdjustmentFactory()
    selected = {"action": "reject_selected", ACTION_CHECKBOX_NAME: [adjustment.pk]}

    confirmation = admin_client.post(ADJUSTMENTS, selected)
    admin_client.post(ADJUSTMENTS, {**selected, "confirm": "yes", "reason": "Not this quarter"})

    assert "Reason" in confirmation.content.decode()
    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.rejection_reason) == (AdjustmentState.REJECTED, "Not this quarter")


def test_reject_action_without_a_reason_asks_again_and_rejects_nothing(admin_client):
    adjustment = AdjustmentFactory()
    selected = {"action": "reject_selected", ACTION_CHECKBOX_NAME: [adjustment.pk]}

    response = admin_client.post(ADJUSTMENTS, {**selected, "confirm": "yes", "reason": "  "})

    assert "Give a reason" in response.content.decode()
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_a_staff_member_without_the_decide_permission_is_not_offered_the_decisions(client):
    AdjustmentFactory()
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_adjustment", "change_adjustment"]))
    client.force_login(clerk)

    response = client.get(ADJUSTMENTS)

    assert response.status_code == 200
    assert "apply_selected" not in response.content.decode()
    assert "reject_selected" not in response.content.decode()


def test_adjustment_list_shows_acceptance_rates(admin_client, admin_user):
    AdjustmentFactory(state=AdjustmentState.APPLIED)
    AdjustmentFactory(state=AdjustmentState.REJECTED)

    response = admin_client.get(ADJUSTMENTS)

    assert "Acceptance rate" in response.content.decode()
    assert response.context["stats"]["overall"]["acceptance_rate"] == 0.5


def test_rerun_action_requeues_failed_feedback_only(admin_client, django_capture_on_commit_callbacks):
    failed, done = FeedbackFactory(state=JobState.FAILED), FeedbackFactory(state=JobState.DONE)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            "/admin/feedback/feedback/", {"action": "rerun_failed", ACTION_CHECKBOX_NAME: [failed.pk, done.pk]}
        )

    assert Feedback.objects.get(pk=failed.pk).state == JobState.PENDING
    assert Feedback.objects.get(pk=done.pk).state == JobState.DONE
    assert len(callbacks) == 1


def test_feedback_added_in_the_admin_is_queued_for_processing(admin_client, django_capture_on_commit_callbacks):
    project = ProjectFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            "/admin/feedback/feedback/add/",
            {"project": project.pk, "text": "Search is slow", "author_name": "", "author_email": "", "task": ""},
        )

    assert response.status_code == 302
    assert Feedback.objects.get(project=project).state == JobState.PENDING
    assert len(callbacks) == 1
