"""Celery entry points of the reviews app: ids in, one service call, job state on the row
(config.jobs.taskbase.run_job claims the row and records every outcome)."""

from contextlib import suppress

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from config.jobs.taskbase import JobTask, run_job
from reviews.jobs import CHECK, DELIVERY, OUTCOMES, REVIEW, SNIPPET
from reviews.services.checks import check_run_request, check_run_sync
from reviews.services.deliveries import deliveries_prune, delivery_process
from reviews.services.outcomes import outcomes_refresh_run
from reviews.services.redeliveries import redeliver_failed as redeliver_failed_run
from reviews.services.review import review_run
from reviews.services.snippets import snippet_review_run


@shared_task(name="reviews.process_delivery", queue="default", base=JobTask, bind=True)
def process_delivery(self, delivery_pk: int) -> None:
    run_job(self, DELIVERY, delivery_pk, lambda: delivery_process(delivery_pk=delivery_pk))


@shared_task(name="reviews.review_pull_request", queue="llm", base=JobTask, bind=True)
def review_pull_request(self, review_pk: int) -> None:
    try:
        run_job(self, REVIEW, review_pk, lambda: review_run(review_id=review_pk))
    finally:
        # The check run completed (GitHub App only); a database error here must not hide the review's.
        with suppress(DatabaseError):
            check_run_request(review_id=review_pk, finished_only=True)


@shared_task(name="reviews.sync_check_run", queue="default", base=JobTask, bind=True)
def sync_check_run(self, review_pk: int) -> None:
    run_job(self, CHECK, review_pk, lambda: check_run_sync(review_id=review_pk))


@shared_task(name="reviews.refresh_outcomes", queue="default", base=JobTask, bind=True)
def refresh_outcomes(self, pull_pk: int) -> None:
    run_job(self, OUTCOMES, pull_pk, lambda: outcomes_refresh_run(pull_id=pull_pk))


@shared_task(name="reviews.review_snippet", queue="llm", base=JobTask, bind=True)
def review_snippet(self, snippet_pk: int) -> None:
    run_job(self, SNIPPET, snippet_pk, lambda: snippet_review_run(snippet_id=snippet_pk))


@shared_task(name="reviews.prune_deliveries", queue="default", base=JobTask)
def prune_deliveries() -> int:
    return deliveries_prune(older_than_days=settings.DELIVERY_RETENTION_DAYS)


@shared_task(name="reviews.redeliver_failed", queue="default", base=JobTask)
def redeliver_failed() -> dict | None:
    """Ask GitHub to redeliver the App's failed deliveries we do not hold (counts on the run)."""
    run = redeliver_failed_run()
    if run is None:
        return None
    return {"run": run.pk, "requested": run.requested, "errors": run.errors}
