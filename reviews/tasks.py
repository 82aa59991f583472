"""Celery entry points of the reviews app: ids in, one service call, job state on the row."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from config.errors import PermanentError, TransientError
from config.jobs import JobKind
from config.taskbase import JobTask
from reviews.jobs import DELIVERY, REVIEW, SNIPPET
from reviews.services.deliveries import deliveries_prune, delivery_process
from reviews.services.review import review_run
from reviews.services.snippets import snippet_review_run

logger = logging.getLogger(__name__)


def run_job(task, kind: JobKind, pk: int, work) -> None:
    """Claim the job, do the work, and leave the row in a state that tells the truth.

    A transient failure puts the job back to pending and lets JobTask retry it; once the
    retries are used up, or on a permanent failure, the job ends `failed` for staff to re-run.
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
            # A long review ran out of time: what finished is cached, so a retry goes further.
            raise TransientError("ran out of time; continuing in a new attempt")
    except TransientError as exc:
        if task.retries_exhausted(exc):
            kind.fail(pk, f"gave up after {task.request.retries + 1} attempts: {exc}")
            return
        kind.release(pk)
        raise
    except PermanentError as exc:
        kind.fail(pk, str(exc))
    except Exception as exc:
        kind.fail(pk, f"internal error: {exc.__class__.__name__}: {exc}")
        raise


@shared_task(name="reviews.process_delivery", base=JobTask, bind=True)
def process_delivery(self, delivery_pk: int) -> None:
    run_job(self, DELIVERY, delivery_pk, lambda: delivery_process(delivery_pk=delivery_pk))


@shared_task(name="reviews.review_pull_request", base=JobTask, bind=True)
def review_pull_request(self, review_pk: int) -> None:
    run_job(self, REVIEW, review_pk, lambda: review_run(review_id=review_pk))


@shared_task(name="reviews.review_snippet", base=JobTask, bind=True)
def review_snippet(self, snippet_pk: int) -> None:
    run_job(self, SNIPPET, snippet_pk, lambda: snippet_review_run(snippet_id=snippet_pk))


@shared_task(name="reviews.prune_deliveries", base=JobTask)
def prune_deliveries() -> int:
    return deliveries_prune(older_than_days=settings.DELIVERY_RETENTION_DAYS)
