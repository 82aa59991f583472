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


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup):
    _purge_queues()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    _purge_queues()
    yield celery_worker_session
    _wait_until_idle()
    _purge_queues()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; returns its value or fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
