"""Reads of the feedback app: the planning context given to the LLM, and decision statistics."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment, Feedback
from issues.choices import TaskStatus
from issues.models import Task

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
