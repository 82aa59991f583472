from decimal import Decimal

import pytest

from config.api.errors import ApplicationError, ConflictError
from feedback.choices import AdjustmentState, AdjustmentType
from feedback.services import adjustment_apply, adjustment_reject
from issues.actors import Actor
from issues.choices import TaskStatus
from issues.models import Activity, Task
from issues.services import task_update
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(user):
    return Actor.of_user(user)


def _edit_task(task, **changes):
    """Someone edits the task after the adjustment was proposed: its version moves."""
    return task_update(task=task, version=task.version, actor=Actor.of_user(UserFactory(username="editor")), **changes)


def test_apply_changes_the_task_and_writes_activity(actor):
    adjustment = AdjustmentFactory(proposed_value=1)

    adjustment_apply(adjustment=adjustment, actor=actor)

    task = Task.objects.get(pk=adjustment.task_id)
    activity = Activity.objects.get(task=task, field="priority")
    assert (task.priority, task.version) == (1, adjustment.task_version + 1)
    assert (activity.old_value, activity.new_value, activity.actor) == (3, 1, actor.user)


def test_apply_marks_the_adjustment_applied_with_who_and_when(actor):
    adjustment = AdjustmentFactory()

    applied = adjustment_apply(adjustment=adjustment, actor=actor)

    applied.refresh_from_db()
    assert (applied.state, applied.decided_by, applied.forced) == (AdjustmentState.APPLIED, actor.user, False)
    assert applied.decided_at is not None


@pytest.mark.parametrize(
    ("type_", "proposed", "field", "expected"),
    [
        (AdjustmentType.TASK_STATUS, "in_progress", "status", "in_progress"),
        (AdjustmentType.TASK_ESTIMATE, 6.5, "estimated_hours", Decimal("6.50")),
        (AdjustmentType.TASK_DESCRIPTION, "Export CSV only.", "description", "Export CSV only."),
        (AdjustmentType.REMOVE_TASK, "cancelled", "status", TaskStatus.CANCELLED),
    ],
)
def test_apply_sets_the_field_the_adjustment_names(actor, type_, proposed, field, expected):
    adjustment = AdjustmentFactory(type=type_, proposed_value=proposed)

    adjustment_apply(adjustment=adjustment, actor=actor)

    assert getattr(Task.objects.get(pk=adjustment.task_id), field) == expected


def test_remove_task_cancels_the_task_and_keeps_it(actor):
    adjustment = AdjustmentFactory(type=AdjustmentType.REMOVE_TASK, proposed_value="cancelled")

    adjustment_apply(adjustment=adjustment, actor=actor)

    assert Task.objects.filter(pk=adjustment.task_id, status=TaskStatus.CANCELLED).exists()


def test_new_task_creates_a_task_in_the_feedback_project(actor):
    adjustment = AdjustmentFactory(
        type=AdjustmentType.NEW_TASK,
        task=None,
        proposed_value={"title": "Add CSV export", "description": "", "priority": 2, "estimated_hours": 3.0},
    )

    applied = adjustment_apply(adjustment=adjustment, actor=actor)

    created = applied.created_task
    assert (created.project, created.title, created.priority) == (adjustment.feedback.project, "Add CSV export", 2)
    assert created.estimated_hours == Decimal("3.00")


def test_general_adjustment_is_recorded_as_applied_without_changing_tasks(actor):
    adjustment = AdjustmentFactory(type=AdjustmentType.GENERAL, task=None, proposed_value=None)
    tasks_before = list(Task.objects.values_list("pk", "version"))

    applied = adjustment_apply(adjustment=adjustment, actor=actor)

    assert applied.state == AdjustmentState.APPLIED
    assert list(Task.objects.values_list("pk", "version")) == tasks_before


def test_apply_after_the_task_was_edited_is_a_conflict_and_changes_nothing(actor):
    adjustment = AdjustmentFactory(proposed_value=1)
    _edit_task(adjustment.task, title="Renamed")

    with pytest.raises(ConflictError):
        adjustment_apply(adjustment=adjustment, actor=actor)

    task = Task.objects.get(pk=adjustment.task_id)
    adjustment.refresh_from_db()
    assert (task.priority, adjustment.state) == (3, AdjustmentState.PROPOSED)
    assert not Activity.objects.filter(task=task, field="priority").exists()


def test_force_applies_an_adjustment_whose_task_was_edited(actor):
    adjustment = AdjustmentFactory(proposed_value=1)
    _edit_task(adjustment.task, title="Renamed")

    applied = adjustment_apply(adjustment=adjustment, actor=actor, force=True)

    assert Task.objects.get(pk=adjustment.task_id).priority == 1
    assert applied.forced is True


def test_apply_is_refused_when_the_task_no_longer_exists(actor):
    adjustment = AdjustmentFactory()
    Task.objects.filter(pk=adjustment.task_id).delete()
    adjustment.refresh_from_db()

    with pytest.raises(ApplicationError) as raised:
        adjustment_apply(adjustment=adjustment, actor=actor)

    assert (raised.value.type, raised.value.status_code) == ("task_missing", 409)


def test_reject_records_the_decision_and_reason(actor):
    adjustment = AdjustmentFactory()

    adjustment_reject(adjustment=adjustment, actor=actor, reason="  Priority is set by the PM.  ")

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.rejection_reason, adjustment.decided_by) == (
        AdjustmentState.REJECTED,
        "Priority is set by the PM.",
        actor.user,
    )


def test_apply_after_reject_is_refused_and_the_task_is_untouched(actor):
    adjustment = AdjustmentFactory(proposed_value=1)
    adjustment_reject(adjustment=adjustment, actor=actor)

    with pytest.raises(ApplicationError) as raised:
        adjustment_apply(adjustment=adjustment, actor=actor)

    assert (raised.value.type, raised.value.status_code) == ("already_decided", 409)
    assert Task.objects.get(pk=adjustment.task_id).priority == 3


def test_a_second_apply_is_refused(actor):
    adjustment = AdjustmentFactory(type=AdjustmentType.NEW_TASK, task=None, proposed_value={"title": "Once"})
    adjustment_apply(adjustment=adjustment, actor=actor)

    with pytest.raises(ApplicationError):
        adjustment_apply(adjustment=adjustment, actor=actor)

    assert Task.objects.filter(title="Once").count() == 1


def test_a_second_reject_is_refused(actor):
    adjustment = AdjustmentFactory(feedback=FeedbackFactory())
    adjustment_reject(adjustment=adjustment, actor=actor, reason="first")

    with pytest.raises(ApplicationError):
        adjustment_reject(adjustment=adjustment, actor=actor, reason="second")

    adjustment.refresh_from_db()
    assert adjustment.rejection_reason == "first"
