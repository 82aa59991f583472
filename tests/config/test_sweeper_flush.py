"""A Redis that loses its queued messages loses no work: the sweeper re-sends every stuck job."""

import time

import redis
from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from config.jobs.state import JobState
from config.jobs.taskbase import JobTask
from config.tasks import sweep_stuck_jobs
from issues.actors import SYSTEM
from issues.models import Issue
from issues.services import issue_create
from tests.issues.factories import ProjectFactory
from tests.worker import wait_for


@shared_task(name="tests.hold_worker", base=JobTask)
def hold_worker(gate: str) -> None:
    """Keeps the (solo) test worker busy until the test opens the gate."""
    cache.set(f"{gate}:held", True)
    deadline = time.monotonic() + 30
    while not cache.get(f"{gate}:open") and time.monotonic() < deadline:
        time.sleep(0.02)


def _flush_broker_queues() -> int:
    """Delete every queued and unacknowledged message in the broker's Redis database, keeping
    kombu's exchange bindings (as a restarted worker would declare them again)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    doomed = [key for key in broker.keys("*") if not key.startswith(b"_kombu.binding")]
    queued = sum(broker.llen(key) for key in doomed if broker.type(key) == b"list")
    if doomed:
        broker.delete(*doomed)
    return queued


def test_jobs_lost_in_a_broker_flush_are_completed_after_the_sweeper_runs(celery_worker, settings):
    settings.OPENAI_API_KEY = ""
    hold_worker.delay("flush")
    wait_for(lambda: cache.get("flush:held"))
    project = ProjectFactory(key="FLUSH")
    issues = [issue_create(project=project, title=f"Lost job {n}", actor=SYSTEM) for n in range(5)]

    assert _flush_broker_queues() >= 5  # our five, and whatever else was waiting
    cache.set("flush:open", True)
    time.sleep(0.5)  # the worker is free again, with nothing left to run
    assert set(Issue.objects.filter(pk__in=[i.pk for i in issues]).values_list("triage_state", flat=True)) == {
        JobState.PENDING
    }

    settings.JOB_STUCK_AFTER_S = 0
    sweep_stuck_jobs.delay()

    wait_for(lambda: Issue.objects.filter(project=project, triage_state=JobState.DONE).count() == 5)
    assert set(Issue.objects.filter(project=project).values_list("triage_attempts", flat=True)) == {1}
