"""Taking feedback in and (re-)queueing its processing."""

from django.conf import settings
from django.db import transaction

from config.api.errors import ApplicationError
from config.jobs.state import JobState
from feedback.jobs import PROCESS
from feedback.models import Feedback


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, type="validation_error", fields={field: [message]})


@transaction.atomic
def feedback_create(
    *, project, text: str, task=None, author_name: str = "", author_email: str = "", submitted_by=None
) -> Feedback:
    """Store feedback and queue `feedback.process` once the transaction commits."""
    text = (text or "").strip()
    if not text:
        raise _invalid("text", "Feedback text may not be empty.")
    if len(text) > settings.FEEDBACK_MAX_CHARS:
        raise _invalid("text", f"Feedback text is longer than {settings.FEEDBACK_MAX_CHARS} characters.")
    if task is not None and task.project_id != project.pk:
        raise _invalid("task", f"Task {task.pk} does not belong to project {project.key}.")
    feedback = Feedback.objects.create(
        project=project,
        task=task,
        text=text,
        author_name=author_name,
        author_email=author_email,
        submitted_by=submitted_by,
    )
    PROCESS.enqueue(feedback.pk)
    feedback.refresh_from_db()
    return feedback


@transaction.atomic
def feedback_rerun(*, feedback: Feedback) -> Feedback:
    """Queue a failed feedback again; anything else is refused (a second run would duplicate adjustments)."""
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if locked.state != JobState.FAILED:
        raise ApplicationError(
            f"Only failed feedback can be re-run; feedback {locked.pk} is {locked.state}.",
            type="not_rerunnable",
            status_code=409,
            state=locked.state,
        )
    PROCESS.enqueue(locked.pk)
    locked.refresh_from_db()
    return locked
