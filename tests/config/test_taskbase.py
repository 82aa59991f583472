from celery import shared_task
from django.core.cache import cache

from config.jobs.errors import TransientError
from config.jobs.taskbase import JobTask
from config.models import Heartbeat
from tests.worker import wait_for


class CapacityWait(TransientError):
    consumes_retry = False


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
