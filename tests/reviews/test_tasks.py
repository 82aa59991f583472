"""The job wrapper the reviews tasks run through (config.jobs.taskbase.run_job), on a review row."""

from types import SimpleNamespace

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from config.jobs.errors import PermanentError, TransientError
from config.jobs.state import JobState
from config.jobs.taskbase import run_job
from reviews.jobs import REVIEW
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db


def task(*, exhausted: bool = False):
    return SimpleNamespace(request=SimpleNamespace(retries=2), retries_exhausted=lambda exc: exhausted)


def fails_with(error):
    def work():
        raise error

    return work


def reload(review):
    review.refresh_from_db()
    return review


def test_transient_failure_puts_the_job_back_to_pending_and_is_raised_for_the_retry():
    review = ReviewFactory(state=JobState.PENDING)

    with pytest.raises(TransientError):
        run_job(task(), REVIEW, review.pk, fails_with(TransientError("GitHub answered 502")))

    assert (reload(review).state, review.attempts) == (JobState.PENDING, 1)


def test_a_job_that_runs_out_of_time_is_retried_like_a_transient_failure():
    review = ReviewFactory(state=JobState.PENDING)

    with pytest.raises(TransientError):
        run_job(task(), REVIEW, review.pk, fails_with(SoftTimeLimitExceeded()))

    assert reload(review).state == JobState.PENDING


def test_transient_failure_after_the_last_retry_ends_failed():
    review = ReviewFactory(state=JobState.PENDING)

    run_job(task(exhausted=True), REVIEW, review.pk, fails_with(TransientError("GitHub answered 502")))

    assert reload(review).state == JobState.FAILED
    assert "Gave up after 3 attempts: GitHub answered 502" in review.error


def test_permanent_failure_ends_failed_with_its_message():
    review = ReviewFactory(state=JobState.PENDING)

    run_job(task(), REVIEW, review.pk, fails_with(PermanentError("GitHub answered 404: Not Found")))

    assert (reload(review).state, review.error) == (JobState.FAILED, "GitHub answered 404: Not Found")


def test_a_bug_ends_failed_and_is_raised():
    review = ReviewFactory(state=JobState.PENDING)

    with pytest.raises(KeyError):
        run_job(task(), REVIEW, review.pk, fails_with(KeyError("patch")))

    assert reload(review).state == JobState.FAILED
    assert "Internal error: KeyError" in review.error


def test_a_job_already_running_elsewhere_is_left_alone():
    review = ReviewFactory(state=JobState.RUNNING)
    ran = []

    run_job(task(), REVIEW, review.pk, lambda: ran.append(True))

    assert ran == []


def test_every_reviews_job_kind_is_known_to_the_sweeper():
    from config.jobs.state import JOB_KINDS
    from reviews.jobs import DELIVERY, SNIPPET

    assert {DELIVERY, REVIEW, SNIPPET} <= set(JOB_KINDS)


def test_old_finished_deliveries_are_pruned_and_failed_or_recent_ones_kept(settings):
    from datetime import timedelta

    from django.utils import timezone

    from reviews.models import Delivery
    from reviews.tasks import prune_deliveries

    settings.DELIVERY_RETENTION_DAYS = 30
    states = {"old-done": JobState.DONE, "old-skipped": JobState.SKIPPED, "old-failed": JobState.FAILED}
    for delivery_id, state in states.items():
        Delivery.objects.create(delivery_id=delivery_id, event="ping", payload={}, state=state)
    Delivery.objects.update(received_at=timezone.now() - timedelta(days=31))
    Delivery.objects.create(delivery_id="recent-done", event="ping", payload={}, state=JobState.DONE)

    assert prune_deliveries() == 2
    assert sorted(Delivery.objects.values_list("delivery_id", flat=True)) == ["old-failed", "recent-done"]
