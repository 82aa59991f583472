"""Creating and changing tasks."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from issues.actors import Actor
from issues.choices import TaskStatus
from issues.models import Activity, Issue, Project, Task
from issues.services.activity import activity_build, activity_record
from issues.services.common import (
    candidate_with,
    reject_unknown_fields,
    same_value,
    validate_fields,
    versioned_write,
)

TASK_EDITABLE_FIELDS = frozenset({"title", "description", "status", "priority", "estimated_hours", "order", "issue"})


def _check_issue(project: Project, issue: Issue | None) -> None:
    if issue is not None and (not isinstance(issue, Issue) or issue.project_id != project.pk):
        raise ValidationError({"issue": ["The issue must belong to the task's project."]})


def task_create(
    *,
    project: Project,
    title: str,
    actor: Actor,
    description: str = "",
    status: str = TaskStatus.TODO,
    priority: int = 3,
    estimated_hours: Decimal | None = None,
    order: int | None = None,
    issue: Issue | None = None,
) -> Task:
    """Create a task; without `order` it goes after the project's last task."""
    _check_issue(project, issue)
    task = Task(
        project=project,
        issue=issue,
        title=title,
        description=description,
        status=status,
        priority=priority,
        estimated_hours=estimated_hours,
        order=order if order is not None else 0,
    )
    validate_fields(task, ["title", "description", "status", "priority", "estimated_hours", "order"])
    with transaction.atomic():
        if order is None:
            last = Task.objects.filter(project=project).aggregate(last=Max("order"))["last"]
            task.order = 0 if last is None else last + 1
        task.save(force_insert=True)
        activity_record(actor=actor, field="created", old=None, new={"title": task.title}, task=task)
    return task


def task_update(*, task: Task, version: int | None, actor: Actor, **changes) -> Task:
    """Apply `changes` if `version` is current (None: whatever is current, for automation);
    a stale version is a `ConflictError` with the current version and changes nothing."""
    reject_unknown_fields(changes, TASK_EDITABLE_FIELDS)
    return versioned_write(
        Task, task.pk, version, lambda current: _task_apply(current, changes, actor), related=("project", "issue")
    )


def _task_apply(current: Task, changes: dict, actor: Actor) -> Task | None:
    if "issue" in changes:
        _check_issue(current.project, changes["issue"])
    candidate = candidate_with(current, changes)
    validate_fields(candidate, set(changes) - {"issue"})
    values, history = {}, []
    for field in changes:
        old = getattr(current, field)
        # Compare as the database stores it (e.g. Decimal("2") == Decimal("2.00")).
        new_clean = getattr(candidate, field)
        if not same_value(old, new_clean):
            values[field] = new_clean
            history.append((field, old, new_clean))
    if not values:
        return current
    now = timezone.now()
    written = Task.objects.filter(pk=current.pk, version=current.version).update(
        **values, version=current.version + 1, updated_at=now
    )
    if written != 1:
        return None
    Activity.objects.bulk_create(
        [activity_build(actor=actor, field=field, old=old, new=new, task=current) for field, old, new in history]
    )
    for field, value in values.items():
        setattr(current, field, value)
    current.version += 1
    current.updated_at = now
    return current
