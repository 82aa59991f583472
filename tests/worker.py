"""A real Celery worker (a thread, solo pool) consuming the test Redis broker.

Tests that use it need `transactional_db`: the worker thread has its own database connection
and must see committed rows.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup):
    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection).purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    yield celery_worker_session


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; returns its value or fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
