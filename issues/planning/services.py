"""Planning an issue: one LLM call, then one short transaction that writes the plan.

Re-planning replaces only the previous plan's tasks nobody touched: still `todo` and at the
version they were created with (any edit through the API or admin bumps a task's version).
Every other task of the issue stays, and the LLM is told about them so it does not repeat them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from config.jobs.errors import PermanentError
from issues.actors import LLM
from issues.choices import IssuePriority, TaskStatus
from issues.jobs import PLAN
from issues.models import Issue, PlanRun, Task
from issues.planning.prompts import plan_messages
from issues.planning.schemas import PlanOutput
from issues.services import activity_record, task_create

NOT_CONFIGURED = "LLM not configured"
CREATED_VERSION = 1
TASK_PRIORITY = {IssuePriority.CRITICAL: 1, IssuePriority.HIGH: 2, IssuePriority.MEDIUM: 3, IssuePriority.LOW: 4}


def _untouched(tasks):
    return tasks.filter(status=TaskStatus.TODO, version=CREATED_VERSION)


def issue_plan(*, issue_id: int) -> PlanRun:
    """Plan one issue whose job is claimed (PLAN); raises what `llm.complete` raises."""
    if not settings.OPENAI_API_KEY:
        raise PermanentError(NOT_CONFIGURED, type="llm_not_configured")
    from llm import complete

    issue = Issue.objects.select_related("project").get(pk=issue_id)
    previous = PlanRun.objects.filter(issue_id=issue_id).first()
    replaceable = _untouched(previous.tasks.all()) if previous else Task.objects.none()
    kept = Task.objects.filter(issue_id=issue_id).exclude(pk__in=replaceable.values("pk")).order_by("order", "pk")
    answer = complete(
        purpose="issues.plan",
        messages=plan_messages(issue=issue, kept=list(kept)),
        output=PlanOutput,
        subject=issue,
    )
    run = _save_plan(issue_id, answer.data, call_id=answer.call_id, cached=answer.cached)
    PLAN.complete(issue_id)
    return run


def _save_plan(issue_id: int, plan: PlanOutput, *, call_id: int | None, cached: bool) -> PlanRun:
    with transaction.atomic():
        issue = Issue.objects.select_related("project").select_for_update(of=("self",)).get(pk=issue_id)
        previous = PlanRun.objects.filter(issue_id=issue_id).first()
        replaced: list[int] = []
        kept_ids: list[int] = []
        if previous is not None:
            # Lock the candidates and test them again: a task started a moment ago is kept.
            candidates = _untouched(Task.objects.filter(pk__in=previous.tasks.values("pk")).select_for_update())
            replaced = list(candidates.values_list("pk", flat=True))
            kept_ids = sorted(set(previous.tasks.values_list("pk", flat=True)) - set(replaced))
            Task.objects.filter(pk__in=replaced).delete()
        run = PlanRun.objects.create(
            issue=issue,
            cached=cached,
            result=plan.model_dump(),
            risks=list(plan.risks),
            kept_task_ids=kept_ids,
            replaced_count=len(replaced),
            llm_call_id=call_id,
        )
        created = [
            task_create(
                project=issue.project,
                issue=issue,
                title=planned.title.strip()[:300] or f"Task {position} of {issue.key}",
                description=planned.description,
                estimated_hours=Decimal(str(round(planned.estimated_hours, 2))),
                priority=TASK_PRIORITY.get(issue.priority, 3),
                actor=LLM,
            )
            for position, planned in enumerate(plan.tasks, start=1)
        ]
        run.tasks.set(created)
        activity_record(
            actor=LLM,
            field="plan",
            old={"tasks": len(replaced)} if previous else None,
            new={"tasks": len(created), "kept": len(kept_ids), "risks": len(plan.risks)},
            issue=issue,
        )
    return run
