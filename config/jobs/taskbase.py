"""The base class of every Triage Desk Celery task.

Tasks retry on `TransientError` only (a validation error never succeeds on retry), with
exponential backoff and full jitter, capped below the broker's visibility timeout. A
`retry_after` carried by the error (a provider's Retry-After) is honoured when longer.

An error with `consumes_retry = False` (a wait for a shared rate limit, e.g.
llm.errors.LLMRateLimited) is a wait, not a failure: it is retried after exactly its
`retry_after` and does not count toward `max_retries`.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from config.jobs.errors import PermanentError, TransientError
from config.jobs.state import JobKind

logger = logging.getLogger(__name__)


def consumes_retry(exc: BaseException | None) -> bool:
    return getattr(exc, "consumes_retry", True)


class JobTask(Task):
    autoretry_for = (TransientError,)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = settings.TASK_MAX_RETRIES

    def retries_exhausted(self, exc: BaseException | None = None) -> bool:
        """True when retrying after `exc` is no longer allowed: the job should end `failed`."""
        if not consumes_retry(exc):
            return False
        return self.max_retries is not None and self.request.retries >= self.max_retries

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, **options):
        retry_after = getattr(exc, "retry_after", None)
        counted = consumes_retry(exc)
        if retry_after is not None and eta is None:
            # A wait for capacity comes back exactly when capacity returns, not after backoff.
            countdown = max(countdown or 0, retry_after) if counted else retry_after
        if countdown is not None:
            countdown = min(countdown, settings.CELERY_MAX_COUNTDOWN_S)
        if counted:
            return super().retry(
                args=args, kwargs=kwargs, exc=exc, throw=throw, eta=eta, countdown=countdown, **options
            )
        # Celery sends the retry with `request.retries + 1`; keep the count where it was.
        self.request.retries -= 1
        try:
            return super().retry(
                args=args, kwargs=kwargs, exc=exc, throw=throw, eta=eta, countdown=countdown, **options
            )
        finally:
            self.request.retries += 1


def run_job(task: JobTask, kind: JobKind, pk, work: Callable[[], object]) -> None:
    """Claim the job on its row, do `work`, and leave the row in a state that tells the truth.

    A duplicate message finds nothing to claim and returns. A transient failure puts the job
    back to pending and lets JobTask retry it; once the retries are used up, or on a permanent
    failure, the job ends `failed` with the error for staff to re-run. A bug also ends `failed`
    (and is re-raised for the logs) rather than leaving the row `running`.
    """
    # A row `running` for longer than the hard time limit lost its worker: claim it again.
    stale_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    if not kind.claim(pk, stale_after=stale_after):
        logger.info("%s %s: nothing to claim (done, running elsewhere or gone)", kind.task_name, pk)
        return
    try:
        try:
            work()
        except SoftTimeLimitExceeded:
            # What finished before the limit is kept (or cached), so a new attempt goes further.
            raise TransientError("ran out of time; continuing in a new attempt")
    except TransientError as exc:
        if task.retries_exhausted(exc):
            kind.fail(pk, f"Gave up after {task.request.retries + 1} attempts: {exc}")
            return
        kind.release(pk)
        raise
    except PermanentError as exc:
        kind.fail(pk, str(exc))
    except ObjectDoesNotExist as exc:
        logger.info("%s %s: a row it needs was deleted: %s", kind.task_name, pk, exc)
        kind.fail(pk, f"A row this job needs no longer exists: {exc}")
    except Exception as exc:
        kind.fail(pk, f"Internal error: {type(exc).__name__}: {exc}")
        raise
