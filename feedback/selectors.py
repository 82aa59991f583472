"""Reads of the feedback app: the planning context given to the LLM, and decision statistics."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import formats

from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment, Feedback
from feedback.task_changes import adjustment_task_changes
from issues.choices import TaskStatus
from issues.models import Activity, Task

OPEN_TASK_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)


def feedback_queryset() -> QuerySet[Feedback]:
    return Feedback.objects.select_related("project").prefetch_related("adjustments__decided_by")


def adjustment_queryset() -> QuerySet[Adjustment]:
    return Adjustment.objects.select_related("feedback", "decided_by")


@dataclass(frozen=True)
class PlanningContext:
    feedback: Feedback
    # The tasks shown to the LLM, by id: the project's open tasks and the task the feedback is about.
    tasks: dict[int, Task]
    rejections: list[Adjustment]


def planning_context(*, feedback: Feedback) -> PlanningContext:
    open_tasks = Task.objects.filter(project_id=feedback.project_id, status__in=OPEN_TASK_STATUSES).order_by(
        "priority", "order", "id"
    )[: settings.FEEDBACK_CONTEXT_MAX_TASKS]
    tasks = {task.pk: task for task in open_tasks}
    if feedback.task_id is not None and feedback.task_id not in tasks:
        subject = Task.objects.filter(pk=feedback.task_id, project_id=feedback.project_id).first()
        if subject is not None:
            tasks[subject.pk] = subject
    return PlanningContext(feedback=feedback, tasks=tasks, rejections=recent_rejections(project=feedback.project))


def recent_rejections(*, project, limit: int | None = None) -> list[Adjustment]:
    """The project's most recently rejected adjustments: examples of what not to propose again."""
    limit = settings.FEEDBACK_REJECTED_EXAMPLES if limit is None else limit
    return list(
        Adjustment.objects.filter(feedback__project=project, state=AdjustmentState.REJECTED).order_by(
            "-decided_at", "-id"
        )[:limit]
    )


def _rate(applied: int, rejected: int) -> float | None:
    decided = applied + rejected
    return round(applied / decided, 4) if decided else None


_COUNTS = {
    "proposed": Count("id", filter=Q(state=AdjustmentState.PROPOSED)),
    "applied": Count("id", filter=Q(state=AdjustmentState.APPLIED)),
    "rejected": Count("id", filter=Q(state=AdjustmentState.REJECTED)),
}


def _row(counts: dict) -> dict:
    row = {name: counts[name] for name in ("proposed", "applied", "rejected")}
    row["acceptance_rate"] = _rate(row["applied"], row["rejected"])
    return row


def adjustment_stats(*, project_id: int | None = None) -> dict:
    """Acceptance rate (applied / decided) per adjustment type and per project; None before any decision."""
    adjustments = Adjustment.objects.all()
    if project_id is not None:
        adjustments = adjustments.filter(feedback__project_id=project_id)

    by_type_rows = {row["type"]: row for row in adjustments.order_by().values("type").annotate(**_COUNTS)}
    empty = dict.fromkeys(_COUNTS, 0)
    by_type = [{"type": value, **_row(by_type_rows.get(value, empty))} for value in AdjustmentType.values]

    by_project = [
        {"project": row["feedback__project"], "project_key": row["feedback__project__key"], **_row(row)}
        for row in adjustments.order_by("feedback__project__key")
        .values("feedback__project", "feedback__project__key")
        .annotate(**_COUNTS)
    ]
    overall = _row(adjustments.order_by().aggregate(**_COUNTS))
    return {"overall": overall, "by_type": by_type, "by_project": by_project}


# The task's fields shown on an adjustment's page, beside what the adjustment would make of them.
REVIEWED_TASK_FIELDS = ("title", "status", "priority", "estimated_hours", "description")


@dataclass(frozen=True)
class ComparedField:
    name: str
    label: str
    now: str  # the task as it is now ("" for a task still to be created)
    proposed: str  # what the adjustment makes of it; equal to `now` when it leaves the field alone
    changes: bool


@dataclass(frozen=True)
class AdjustmentReview:
    """What a person needs to decide an adjustment: its task now beside the proposed change and,
    when the task moved since the proposal, the changes made meanwhile."""

    task: Task | None
    fields: list[ComparedField]
    drifted: bool
    changes_since: list


def adjustment_review(*, adjustment: Adjustment) -> AdjustmentReview:
    task = Task.objects.filter(pk=adjustment.task_id).first() if adjustment.task_id else None
    if adjustment.type == AdjustmentType.NEW_TASK:
        proposed = {name: (adjustment.proposed_value or {}).get(name) for name in REVIEWED_TASK_FIELDS}
    elif adjustment.type == AdjustmentType.GENERAL or task is None:
        proposed = {}
    else:
        proposed = adjustment_task_changes(adjustment)
    fields = [] if not proposed else [_compared(name, task, proposed) for name in REVIEWED_TASK_FIELDS]
    drifted = bool(
        task is not None and adjustment.state == AdjustmentState.PROPOSED and task.version != adjustment.task_version
    )
    changes_since = (
        list(
            Activity.objects.filter(task=task, created_at__gt=adjustment.created_at)
            .select_related("actor")
            .order_by("created_at", "id")
        )
        if drifted
        else []
    )
    return AdjustmentReview(task=task, fields=fields, drifted=drifted, changes_since=changes_since)


def _compared(name: str, task: Task | None, proposed: dict) -> ComparedField:
    field = Task._meta.get_field(name)
    now = _shown(field, getattr(task, name)) if task is not None else ""
    after = _shown(field, proposed[name]) if name in proposed else now
    return ComparedField(name=name, label=str(field.verbose_name), now=now, proposed=after, changes=after != now)


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField):
        return formats.number_format(Decimal(str(value)), field.decimal_places)
    return str(value)
