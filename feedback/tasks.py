import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from config.errors import PermanentError, TransientError
from config.taskbase import JobTask
from feedback.jobs import PROCESS
from feedback.services import feedback_process

logger = logging.getLogger(__name__)

# A `running` row older than the hard time limit belongs to a worker that died: claim it again.
STALE_AFTER = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)


@shared_task(name="feedback.process", base=JobTask, bind=True)
def process_feedback(self, feedback_id: int) -> None:
    if not PROCESS.claim(feedback_id, stale_after=STALE_AFTER):
        logger.info("feedback %s: nothing to claim (missing, finished or running elsewhere)", feedback_id)
        return
    try:
        feedback_process(feedback_id=feedback_id)
    except TransientError as exc:
        if self.retries_exhausted(exc):
            PROCESS.fail(feedback_id, f"Gave up after {self.request.retries + 1} attempts: {exc}")
            return
        PROCESS.release(feedback_id)
        raise
    except PermanentError as exc:
        PROCESS.fail(feedback_id, str(exc))
    except Exception as exc:
        # A bug, not an outside failure: make it visible (and re-runnable) instead of leaving it running.
        PROCESS.fail(feedback_id, f"Internal error: {exc!r}")
        raise
