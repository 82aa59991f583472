from celery import shared_task
from django.core.cache import cache

from config.jobs.errors import TransientError
from config.jobs.taskbase import JobTask
from config.models import Heartbeat
from config.tasks import heartbeat
from tests.worker import wait_for


@shared_task(name="tests.flaky", base=JobTask)
def flaky(key: str, failures: int) -> None:
    attempts = cache.incr(key)
    if attempts <= failures:
        raise TransientError(f"attempt {attempts} failed")
    Heartbeat.objects.create(name=key, last_seen_at="2026-01-01T00:00:00Z")


@shared_task(name="tests.broken", base=JobTask)
def broken(key: str) -> None:
    cache.incr(key)
    raise ValueError("a bug is not retried")


def test_worker_runs_a_task_that_writes_to_postgres(celery_worker):
    heartbeat.delay("probe")

    beat = wait_for(lambda: Heartbeat.objects.filter(name="probe").first())
    assert beat.last_seen_at is not None


def test_transient_error_is_retried_by_autoretry_until_it_succeeds(celery_worker):
    cache.set("flaky", 0)

    flaky.delay("flaky", failures=2)

    wait_for(lambda: Heartbeat.objects.filter(name="flaky").exists(), timeout=30)
    assert cache.get("flaky") == 3


def test_other_errors_are_not_retried(celery_worker):
    cache.set("broken", 0)
    broken.delay("broken")
    heartbeat.delay("after-broken")  # the solo worker runs tasks in order

    wait_for(lambda: Heartbeat.objects.filter(name="after-broken").exists())
    assert cache.get("broken") == 1


def test_llm_work_is_routed_to_the_llm_queue():
    from config.celery import app

    assert app.amqp.router.route({}, "issues.triage")["queue"].name == "llm"
    assert app.amqp.router.route({}, "issues.archive_stale")["queue"].name == "default"
