import time
from datetime import timedelta

import pytest
from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from config.jobs.errors import CapacityWait, TransientError
from config.jobs.state import JobState
from config.jobs.taskbase import JobTask, run_job
from config.models import Heartbeat
from issues.jobs import TRIAGE
from issues.models import Issue
from tests.issues.factories import IssueFactory
from tests.worker import wait_for


@shared_task(name="tests.waits_for_capacity", base=JobTask, bind=True, max_retries=1)
def waits_for_capacity(self, key: str, waits: int) -> None:
    runs = cache.incr(key)
    cache.set(f"{key}:retries", self.request.retries)
    if runs <= waits:
        raise CapacityWait("no capacity yet", retry_after=0.05)
    Heartbeat.objects.create(name=key, last_seen_at="2026-01-01T00:00:00Z")


def test_waits_for_capacity_do_not_use_up_max_retries(celery_worker):
    cache.set("waits", 0)

    waits_for_capacity.delay("waits", waits=4)

    wait_for(lambda: Heartbeat.objects.filter(name="waits").exists())
    assert cache.get("waits") == 5
    assert cache.get("waits:retries") == 0


def test_retries_exhausted_ignores_waits_for_capacity():
    task = waits_for_capacity
    task.push_request(retries=1)
    try:
        assert task.retries_exhausted(TransientError("down")) is True
        assert task.retries_exhausted(CapacityWait("busy", retry_after=1)) is False
    finally:
        task.pop_request()


# run_job on a real row (an issue's triage job) through the real worker.


def _lease_renewed_at(pk: int) -> str:
    return str(Issue.objects.values_list("triage_state_changed_at", flat=True).get(pk=pk))


BLIPS = {
    "database": lambda: OperationalError("server closed the connection unexpectedly"),
    "wait": lambda: CapacityWait("no capacity yet", retry_after=0.05),
}


@shared_task(name="tests.job_with_blips", base=JobTask, bind=True)
def job_with_blips(self, pk: int, key: str, blips: int, error: str, hold_s: float = 0) -> None:
    """An issue's triage job whose first `blips` runs raise `error`; the last holds `hold_s`."""

    def work():
        if cache.incr(key) <= blips:
            raise BLIPS[error]()
        cache.set(f"{key}:renewed", [_lease_renewed_at(pk)])
        time.sleep(hold_s)
        cache.set(f"{key}:renewed", [*cache.get(f"{key}:renewed"), _lease_renewed_at(pk)])
        TRIAGE.complete(pk)

    run_job(self, TRIAGE, pk, work)


@pytest.fixture
def requested_issue(transactional_db):
    issue = IssueFactory()
    TRIAGE.request(issue.pk)
    return Issue.objects.get(pk=issue.pk)


def _finished(issue):
    return wait_for(lambda: Issue.objects.filter(pk=issue.pk, triage_state=JobState.DONE).first(), timeout=20)


def test_a_database_disconnect_inside_a_job_is_retried_not_failed(celery_worker, requested_issue):
    cache.set("db", 0)

    job_with_blips.delay(requested_issue.pk, "db", blips=1, error="database")

    assert _finished(requested_issue).triage_error == ""
    assert cache.get("db") == 2


def test_waiting_for_capacity_is_not_counted_as_an_attempt(celery_worker, requested_issue):
    cache.set("waits", 0)

    job_with_blips.delay(requested_issue.pk, "waits", blips=3, error="wait")

    assert _finished(requested_issue).triage_attempts == 1


def test_a_redelivered_job_takes_over_once_the_dead_workers_lease_expires(celery_worker, requested_issue, settings):
    cache.set("takeover", 0)
    # Claimed by a worker that then died: its lease, last renewed just now, runs out in a second.
    TRIAGE.claim(requested_issue.pk)
    Issue.objects.filter(pk=requested_issue.pk).update(
        triage_state_changed_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_S - 1)
    )

    job_with_blips.delay(requested_issue.pk, "takeover", blips=0, error="wait")

    assert _finished(requested_issue).triage_attempts == 2
    assert cache.get("takeover") == 1


def test_a_running_job_renews_its_lease(celery_worker, requested_issue, settings):
    settings.JOB_LEASE_S = 0.4
    cache.set("renews", 0)

    job_with_blips.delay(requested_issue.pk, "renews", blips=0, error="wait", hold_s=0.6)

    _finished(requested_issue)
    before, after = cache.get("renews:renewed")
    assert after > before
