"""A real Celery worker (a thread, solo pool) consuming the test Redis broker.

Tests that use it need `transactional_db`: the worker thread has its own database connection
and must see committed rows.
"""

import time

import pytest
from amqp.exceptions import ChannelError
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state

from config.celery import app

# Long enough for any task a test started to finish; a test whose job is still running after
# this has a bug of its own, which the leftover task's log lines will show.
IDLE_TIMEOUT_S = 30.0


def _purge_queues() -> None:
    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection).purge()


def _queued_messages() -> int:
    total = 0
    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            try:
                total += queue.bind(connection.default_channel).queue_declare(passive=True).message_count
            except ChannelError:  # the Redis transport has no key for an empty queue
                pass
    return total


def _wait_until_idle() -> None:
    """Let the worker finish what the test started before the database is truncated: a task
    still inside a transaction would deadlock with the TRUNCATE of the test teardown."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    while time.monotonic() < deadline:
        if not worker_state.active_requests and not _queued_messages():
            return
        time.sleep(0.05)


class _SessionWorker:
    """The one worker of the test session, consuming only while a test asked for it: jobs that
    other tests publish must not run under them (or during their database teardown)."""

    worker = None
    consuming = False

    @classmethod
    def consume(cls, on: bool) -> None:
        if cls.worker is None or cls.consuming == on:
            return
        control = app.control.add_consumer if on else app.control.cancel_consumer
        for queue in app.conf.task_queues:
            replies = control(queue.name, destination=[cls.worker.hostname], reply=True, timeout=5)
            if not replies:
                raise RuntimeError(f"the test worker did not answer a request to consume={on} {queue.name}")
        cls.consuming = on


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup):
    _purge_queues()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        _SessionWorker.worker, _SessionWorker.consuming = worker, True
        yield worker
        _SessionWorker.worker = None


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    _purge_queues()
    _SessionWorker.consume(True)
    yield celery_worker_session
    _wait_until_idle()
    _purge_queues()


@pytest.fixture(autouse=True)
def _worker_idle_unless_requested(request):
    if "celery_worker" not in request.fixturenames:
        _SessionWorker.consume(False)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; returns its value or fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
