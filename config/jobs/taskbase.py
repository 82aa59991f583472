"""The base class of every Triage Desk Celery task.

Tasks retry on `TransientError` only (a validation error never succeeds on retry), with
exponential backoff (TASK_RETRY_BACKOFF_S, doubling) and jitter between half and all of each
delay, capped below the broker's visibility timeout: the retries of a job span minutes, so a
short outage cannot use them all up. A `retry_after` carried by the error (a provider's
Retry-After) is honoured when longer.

An error with `consumes_retry = False` (a wait for a shared rate limit, e.g.
llm.errors.LLMRateLimited) is a wait, not a failure: it is retried after exactly its
`retry_after` and does not count toward `max_retries`.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from config.jobs.errors import CapacityWait, PermanentError, TransientError
from config.jobs.state import JobKind, give_up_message

logger = logging.getLogger(__name__)


def consumes_retry(exc: BaseException | None) -> bool:
    return getattr(exc, "consumes_retry", True)


class JobTask(Task):
    autoretry_for = (TransientError,)
    retry_backoff = settings.TASK_RETRY_BACKOFF_S
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = settings.TASK_MAX_RETRIES

    def retries_exhausted(self, exc: BaseException | None = None) -> bool:
        """True when retrying after `exc` is no longer allowed: the job should end `failed`."""
        if not consumes_retry(exc):
            return False
        return self.max_retries is not None and self.request.retries >= self.max_retries

    def backoff_floor(self) -> float:
        """Half of this retry's full backoff: Celery's full jitter may pick any delay from 0."""
        return min(self.retry_backoff * 2**self.request.retries, self.retry_backoff_max) / 2

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, **options):
        retry_after = getattr(exc, "retry_after", None)
        counted = consumes_retry(exc)
        if counted and countdown is not None and eta is None:
            countdown = max(countdown, self.backoff_floor())
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


class JobBusy(CapacityWait):
    """The job runs elsewhere under a live lease: look again when that lease would expire."""


@contextmanager
def held_lease(kind: JobKind, pk):
    """Renew the job's lease from a background thread while the body runs.

    The thread opens a database connection for each renewal and closes it, so a running job
    holds no extra connection between renewals."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(settings.JOB_LEASE_S / 4):
            try:
                kind.renew(pk)
            except DatabaseError as exc:
                logger.warning("%s %s: could not renew the lease: %s", kind.task_name, pk, exc)
            finally:
                connection.close()

    renewer = threading.Thread(target=renew, name=f"lease {kind.task_name} {pk}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


@contextmanager
def database_errors_are_transient():
    """A dropped or refused database connection (also from a rollback) is an outage that
    passes: retried like any TransientError, with the broken connection closed first."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        with suppress(DatabaseError):
            connection.close()
        raise TransientError(f"database unavailable: {exc}") from exc


def run_job(task: JobTask, kind: JobKind, pk, work: Callable[[], object]) -> None:
    """Claim the job on its row, do `work`, and leave the row in a state that tells the truth.

    A duplicate message finds nothing to claim and returns; one that finds the job running
    under a live lease (a redelivery while the first worker may still be alive) looks again
    when the lease would expire, and takes the job over if it did. A transient failure puts
    the job back to pending and lets JobTask retry it; once the retries are used up, or on a
    permanent failure, the job ends `failed` with the error for staff to re-run. A bug also
    ends `failed` (and is re-raised for the logs) rather than leaving the row `running`.
    """
    with database_errors_are_transient():
        if not kind.claim(pk):
            _refused(kind, pk)
            return
    try:
        try:
            with held_lease(kind, pk), database_errors_are_transient():
                work()
        except SoftTimeLimitExceeded:
            # What finished before the limit is kept (or cached), so a new attempt goes further.
            raise TransientError("ran out of time; continuing in a new attempt")
    except TransientError as exc:
        with database_errors_are_transient():
            if task.retries_exhausted(exc):
                kind.fail(pk, f"Gave up after {task.request.retries + 1} attempts: {exc}")
                return
            kind.release(pk, counted=consumes_retry(exc))
        raise
    except PermanentError as exc:
        kind.fail(pk, str(exc))
    except ObjectDoesNotExist as exc:
        logger.info("%s %s: a row it needs was deleted: %s", kind.task_name, pk, exc)
        kind.fail(pk, f"A row this job needs no longer exists: {exc}")
    except Exception as exc:
        kind.fail(pk, f"Internal error: {type(exc).__name__}: {exc}")
        raise


def _refused(kind: JobKind, pk) -> None:
    reason, wait_s = kind.refusal(pk)
    if reason == "busy":
        logger.info("%s %s: running under a live lease; looking again in %.0f s", kind.task_name, pk, wait_s)
        raise JobBusy("running elsewhere", retry_after=wait_s + 1)
    if reason == "exhausted":
        kind.fail(pk, give_up_message(settings.JOB_MAX_ATTEMPTS))
        return
    logger.info("%s %s: nothing to claim (finished, gone or not requested)", kind.task_name, pk)
