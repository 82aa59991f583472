"""Checking the LLM's suggestions against the database before they become adjustments.

The LLM's output is data: a suggestion is kept only if it names a task of this project and a
value that fits the field and changes something. Everything else is dropped (and counted).
"""

from decimal import Decimal, InvalidOperation

from feedback.choices import TASK_ADJUSTMENT_TYPES, AdjustmentType
from feedback.prompts import ProposedAdjustment
from issues.choices import TaskStatus
from issues.models import Task

MIN_PRIORITY, MAX_PRIORITY = 1, 5
# Task.estimated_hours is DecimalField(max_digits=7, decimal_places=2).
MAX_ESTIMATE = Decimal("99999.99")
MAX_TITLE_CHARS = Task._meta.get_field("title").max_length


def _priority(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if MIN_PRIORITY <= value <= MAX_PRIORITY else None


def _estimate(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return hours if Decimal("0") < hours <= MAX_ESTIMATE else None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _estimate_json(hours: Decimal | None) -> float | None:
    return float(hours) if hours is not None else None


def _task_change(suggestion: ProposedAdjustment, task: Task) -> tuple | None:
    """(original, proposed) for a change to an existing task, or None when it does not fit."""
    kind = suggestion.type
    if kind == AdjustmentType.TASK_PRIORITY:
        new = _priority(suggestion.priority)
        return (task.priority, new) if new is not None and new != task.priority else None
    if kind == AdjustmentType.TASK_STATUS:
        new = suggestion.status
        return (task.status, new) if new in TaskStatus.values and new != task.status else None
    if kind == AdjustmentType.TASK_ESTIMATE:
        new = _estimate(suggestion.estimated_hours)
        if new is None or new == task.estimated_hours:
            return None
        return _estimate_json(task.estimated_hours), _estimate_json(new)
    if kind == AdjustmentType.TASK_DESCRIPTION:
        new = _text(suggestion.new_description)
        return (task.description, new) if new and new != task.description.strip() else None
    if kind == AdjustmentType.REMOVE_TASK:
        return (task.status, TaskStatus.CANCELLED) if task.status != TaskStatus.CANCELLED else None
    return None


def _new_task(suggestion: ProposedAdjustment) -> dict | None:
    title = _text(suggestion.title)
    if not title or len(title) > MAX_TITLE_CHARS:
        return None
    priority = 3 if suggestion.priority is None else _priority(suggestion.priority)
    hours = None if suggestion.estimated_hours is None else _estimate(suggestion.estimated_hours)
    if priority is None or (suggestion.estimated_hours is not None and hours is None):
        return None
    return {
        "title": title,
        "description": _text(suggestion.new_description),
        "priority": priority,
        "estimated_hours": _estimate_json(hours),
    }


def validate_suggestions(
    suggestions, *, project, known_versions: dict[int, int], shown: dict[int, Task] | None = None
) -> tuple[list[dict], int]:
    """Turn suggestions into Adjustment field values; returns (valid ones, number dropped).

    `known_versions` holds the version of each task as the LLM was shown it: the adjustment is
    proposed against that version, so a change made since then makes applying it a conflict.
    `shown` (the tasks the LLM was shown, all of this project) spares a query when it covers
    every task named.
    """
    task_ids = {s.task_id for s in suggestions if s.type in TASK_ADJUSTMENT_TYPES and isinstance(s.task_id, int)}
    tasks = {pk: task for pk, task in (shown or {}).items() if task.project_id == project.pk}
    if not task_ids <= tasks.keys():
        tasks = {task.pk: task for task in Task.objects.filter(project=project, pk__in=task_ids)}
    valid, seen = [], set()
    for suggestion in suggestions:
        fields = _fields(suggestion, tasks, known_versions)
        if fields is None:
            continue
        key = (fields["type"], fields.get("task_id"), repr(fields["proposed_value"]))
        if key in seen:
            continue
        seen.add(key)
        valid.append(fields)
    return valid, len(suggestions) - len(valid)


def _fields(suggestion: ProposedAdjustment, tasks: dict[int, Task], known_versions: dict[int, int]) -> dict | None:
    description = _text(suggestion.description)
    common = {"type": suggestion.type, "description": description, "reasoning": _text(suggestion.reasoning)}
    if suggestion.type in TASK_ADJUSTMENT_TYPES:
        task = tasks.get(suggestion.task_id)
        change = _task_change(suggestion, task) if task is not None else None
        if change is None:
            return None
        original, proposed = change
        version = known_versions.get(task.pk, task.version)
        return {
            **common,
            "description": description or f"{suggestion.type} on {task.title}",
            "task_id": task.pk,
            "task_version": version,
            "original_value": original,
            "proposed_value": proposed,
        }
    if suggestion.type == AdjustmentType.NEW_TASK:
        proposed = _new_task(suggestion)
        if proposed is None:
            return None
        return {**common, "description": description or f"New task: {proposed['title']}", "proposed_value": proposed}
    if suggestion.type == AdjustmentType.GENERAL and description:
        return {**common, "proposed_value": None}
    return None
