"""Turning feedback into proposed adjustments with the LLM (the `feedback.process` job).

Read the context, call the gateway with no transaction open, then save the adjustments and
finish the job in one short transaction: a run either stores everything or nothing, so a
re-run after a failure or a redelivered message never duplicates adjustments.
"""

import logging

from django.db import transaction
from django.utils.timezone import now

from config.jobs.state import JobState
from feedback import prompts
from feedback.models import Adjustment, Feedback
from feedback.selectors import planning_context
from feedback.validation import validate_suggestions
from llm import complete

logger = logging.getLogger(__name__)


def feedback_process(*, feedback_id: int) -> bool:
    """Run a claimed (`running`) feedback job to `done`; False when the row was no longer
    running (another run finished it). LLM errors propagate to the task, which retries
    transient ones and records permanent ones as `failed`."""
    feedback = Feedback.objects.select_related("project").get(pk=feedback_id)
    context = planning_context(feedback=feedback)
    result = complete(
        purpose=prompts.PURPOSE,
        messages=prompts.messages(context),
        output=prompts.FeedbackOutput,
        subject=feedback,
    )
    known_versions = {task.pk: task.version for task in context.tasks.values()}
    valid, dropped = validate_suggestions(
        result.data.adjustments, project=feedback.project, known_versions=known_versions, shown=context.tasks
    )
    finished_at = now()
    with transaction.atomic():
        # Finish the job only if it is still ours (running): a run that lost its claim to a
        # later one stores nothing. The row lock taken by this UPDATE covers the inserts.
        finished = Feedback.objects.filter(pk=feedback_id, state=JobState.RUNNING).update(
            state=JobState.DONE,
            error="",
            state_changed_at=finished_at,
            processed_at=finished_at,
            summary=result.data.summary.strip(),
            dropped_count=dropped,
            llm_call_id=result.call_id,
        )
        if not finished:
            logger.info("feedback %s is no longer running: result discarded", feedback_id)
            return False
        Adjustment.objects.bulk_create(Adjustment(feedback_id=feedback_id, **fields) for fields in valid)
    if dropped:
        logger.info("feedback %s: %d invalid suggestion(s) dropped", feedback_id, dropped)
    return True
