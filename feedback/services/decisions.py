"""A person's decision on a proposed adjustment: apply it to the plan, or reject it. Once."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.api.errors import ApplicationError
from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment
from feedback.task_changes import adjustment_task_changes
from issues.actors import Actor
from issues.models import Task
from issues.services import task_create, task_update


def _lock_proposed(adjustment: Adjustment) -> Adjustment:
    locked = Adjustment.objects.select_for_update().select_related("feedback__project").get(pk=adjustment.pk)
    if locked.state != AdjustmentState.PROPOSED:
        raise ApplicationError(
            f"Adjustment {locked.pk} was already {locked.state}; a decision is made once.",
            type="already_decided",
            status_code=409,
            state=locked.state,
        )
    return locked


def _apply_to_task(adjustment: Adjustment, *, actor: Actor, force: bool) -> bool:
    """Change the task; ConflictError (409) when it moved since the proposal, unless forced.
    Returns whether a stale proposal was forced through."""
    task = Task.objects.select_for_update().filter(pk=adjustment.task_id).first()
    if task is None:
        raise ApplicationError(
            f"The task of adjustment {adjustment.pk} no longer exists.", type="task_missing", status_code=409
        )
    stale = task.version != adjustment.task_version
    task_update(
        task=task,
        version=None if force else adjustment.task_version,
        actor=actor,
        **adjustment_task_changes(adjustment),
    )
    return stale


def _new_task(adjustment: Adjustment, *, actor: Actor) -> Task:
    value = adjustment.proposed_value
    hours = value.get("estimated_hours")
    return task_create(
        project=adjustment.feedback.project,
        title=value["title"],
        description=value.get("description", ""),
        priority=value.get("priority", 3),
        estimated_hours=Decimal(str(hours)) if hours is not None else None,
        actor=actor,
    )


def _decide(adjustment: Adjustment, *, state: str, actor: Actor) -> None:
    adjustment.state = state
    adjustment.decided_by = actor.user
    adjustment.decided_at = timezone.now()


@transaction.atomic
def adjustment_apply(*, adjustment: Adjustment, actor: Actor, force: bool = False) -> Adjustment:
    """Perform the adjustment on the plan in one transaction: the task change and its activity
    rows, and the adjustment marked applied, all happen or none does."""
    locked = _lock_proposed(adjustment)
    if locked.type == AdjustmentType.NEW_TASK:
        locked.created_task = _new_task(locked, actor=actor)
    elif locked.type != AdjustmentType.GENERAL:
        locked.forced = _apply_to_task(locked, actor=actor, force=force)
    _decide(locked, state=AdjustmentState.APPLIED, actor=actor)
    locked.save(update_fields=["state", "decided_by", "decided_at", "forced", "created_task"])
    return locked


@transaction.atomic
def adjustment_reject(*, adjustment: Adjustment, actor: Actor, reason: str = "") -> Adjustment:
    """Record the rejection; its reason is shown to the LLM next time as what not to propose."""
    locked = _lock_proposed(adjustment)
    _decide(locked, state=AdjustmentState.REJECTED, actor=actor)
    locked.rejection_reason = reason.strip()
    locked.save(update_fields=["state", "decided_by", "decided_at", "rejection_reason"])
    return locked
