"""The shared test worker consumes only during tests that ask for it."""

import pytest

from config.celery import app
from tests.worker import _SessionWorker


def _consumed_queues() -> set[str]:
    hostname = _SessionWorker.worker.hostname
    replies = app.control.inspect(destination=[hostname], timeout=5).active_queues() or {}
    return {queue["name"] for queue in replies.get(hostname, [])}


def test_a_worker_test_has_the_worker_consuming_every_queue(celery_worker):
    assert _consumed_queues() == {"default", "llm", "system"}


@pytest.mark.django_db(transaction=True)
def test_other_tests_run_with_the_worker_not_consuming(celery_worker_session):
    assert _consumed_queues() == set()
