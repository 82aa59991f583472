"""The adjustment's page: the task now beside the proposed change, and Apply / Reject on it."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment
from issues.actors import Actor
from issues.models import Task
from issues.services import task_update
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory

pytestmark = pytest.mark.django_db


def page(adjustment):
    return f"/admin/feedback/adjustment/{adjustment.pk}/change/"


def apply_url(adjustment):
    return f"/admin/feedback/adjustment/{adjustment.pk}/apply/"


def reject_url(adjustment):
    return f"/admin/feedback/adjustment/{adjustment.pk}/reject/"


def _move_task(adjustment, **changes):
    task = Task.objects.get(pk=adjustment.task_id)
    task_update(task=task, version=None, actor=Actor.of_user(UserFactory(username="carol")), **changes)


def test_the_page_shows_the_task_now_beside_the_proposed_change(triage_staff_client):
    adjustment = AdjustmentFactory(task__priority=3, proposed_value=1)

    response = triage_staff_client.get(page(adjustment))

    compared = {field.name: field for field in response.context["review"].fields}
    assert (compared["priority"].now, compared["priority"].proposed, compared["priority"].changes) == ("3", "1", True)
    assert compared["title"].changes is False
    assert 'id="adjustment-compare"' in response.content.decode()


def test_the_page_shows_the_reasoning_and_the_feedback_it_came_from(triage_staff_client):
    adjustment = AdjustmentFactory(reasoning="Customers wait on the export.", feedback__text="Export takes ages")

    html = triage_staff_client.get(page(adjustment)).content.decode()

    assert "Customers wait on the export." in html
    assert "Export takes ages" in html


def test_a_new_task_proposal_shows_the_task_it_would_create(triage_staff_client):
    adjustment = AdjustmentFactory(
        type=AdjustmentType.NEW_TASK, task=None, task_version=None, proposed_value={"title": "Export as CSV"}
    )

    response = triage_staff_client.get(page(adjustment))

    compared = {field.name: field for field in response.context["review"].fields}
    assert (compared["title"].now, compared["title"].proposed) == ("", "Export as CSV")


def test_the_page_has_no_save_or_delete_buttons(triage_staff_client):
    html = triage_staff_client.get(page(AdjustmentFactory())).content.decode()

    assert 'name="_save"' not in html
    assert "deletelink" not in html
    assert 'id="adjustment-apply"' in html
    assert 'id="adjustment-reject"' in html


def test_apply_changes_the_task_and_returns_to_the_page(triage_staff_client, triage_staff):
    adjustment = AdjustmentFactory(proposed_value=1)

    response = triage_staff_client.post(apply_url(adjustment))

    assert (response.status_code, response["Location"]) == (303, page(adjustment))
    assert Task.objects.get(pk=adjustment.task_id).priority == 1
    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.decided_by) == (AdjustmentState.APPLIED, triage_staff)


def test_reject_records_the_reason_and_leaves_the_task(triage_staff_client):
    adjustment = AdjustmentFactory(proposed_value=1, task__priority=3)

    triage_staff_client.post(reject_url(adjustment), {"reason": "Not this quarter"})

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.rejection_reason) == (AdjustmentState.REJECTED, "Not this quarter")
    assert Task.objects.get(pk=adjustment.task_id).priority == 3


def test_apply_to_a_task_changed_since_is_refused_and_the_page_shows_the_change(triage_staff_client):
    adjustment = AdjustmentFactory(proposed_value=1, task__priority=3)
    _move_task(adjustment, priority=5)

    response = triage_staff_client.post(apply_url(adjustment), follow=True)

    html = response.content.decode()
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED
    assert Task.objects.get(pk=adjustment.task_id).priority == 5
    assert 'id="adjustment-drift"' in html
    assert "carol · priority: 3 → 5" in html
    assert 'id="adjustment-apply-force"' in html


def test_apply_anyway_forces_the_change_over_the_newer_task(triage_staff_client):
    adjustment = AdjustmentFactory(proposed_value=1)
    _move_task(adjustment, title="Renamed meanwhile")

    triage_staff_client.post(apply_url(adjustment), {"force": "1"})

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.forced) == (AdjustmentState.APPLIED, True)
    assert Task.objects.get(pk=adjustment.task_id).priority == 1


def test_a_decided_adjustment_offers_no_buttons_and_says_who_decided(triage_staff_client):
    adjustment = AdjustmentFactory(
        state=AdjustmentState.REJECTED, decided_by=UserFactory(username="dora"), rejection_reason="Too late"
    )

    html = triage_staff_client.get(page(adjustment)).content.decode()

    assert 'id="adjustment-apply"' not in html
    assert "Rejected by dora" in html


def test_deciding_twice_is_refused_with_a_message(triage_staff_client):
    adjustment = AdjustmentFactory(state=AdjustmentState.APPLIED)

    response = triage_staff_client.post(reject_url(adjustment), {"reason": "no"}, follow=True)

    assert "Not rejected" in response.content.decode()
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.APPLIED


def test_staff_without_the_decide_permission_cannot_apply(client):
    adjustment = AdjustmentFactory(proposed_value=1)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_adjustment", "view_feedback"]))
    client.force_login(clerk)

    page_html = client.get(page(adjustment)).content.decode()
    response = client.post(apply_url(adjustment))

    assert 'id="adjustment-apply"' not in page_html
    assert response.status_code == 403
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_a_plain_user_is_sent_to_the_login_page(client):
    adjustment = AdjustmentFactory()
    client.force_login(UserFactory())

    response = client.post(apply_url(adjustment))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_apply_without_the_csrf_token_is_refused(triage_staff):
    adjustment = AdjustmentFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(triage_staff)

    response = client.post(apply_url(adjustment))

    assert response.status_code == 403
    assert Adjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PROPOSED


def test_apply_is_a_post_only(triage_staff_client):
    assert triage_staff_client.get(apply_url(AdjustmentFactory())).status_code == 405


def test_the_list_shows_the_proposed_value_and_the_reasoning_cut_short(triage_staff_client):
    AdjustmentFactory(proposed_value=1, reasoning="The export blocks the monthly close for every customer " * 3)

    html = triage_staff_client.get("/admin/feedback/adjustment/").content.decode()

    assert '<td class="field-proposed">priority: 1</td>' in html
    assert 'title="The export blocks the monthly close' in html
    assert ">The export blocks the monthly close for…</span>" in html
