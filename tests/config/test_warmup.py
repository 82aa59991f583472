"""Process warm-up: request threads connected before the first request, start-up objects frozen."""

import gc
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.signals import worker_process_init
from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper

from config.warmup import connect_request_threads, freeze_startup_objects

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def _on_every_thread(pool: ThreadPoolExecutor, threads: int, job):
    """Run `job` once on each of the pool's `threads` threads; their results."""
    together = threading.Barrier(threads)

    def run():
        together.wait(timeout=10)
        return job()

    return [future.result() for future in [pool.submit(run) for _ in range(threads)]]


def _connected_backend():
    return connection.connection.info.backend_pid if connection.connection is not None else None


def _gthread_worker(threads: int):
    """The two attributes of gunicorn's gthread worker that the warm-up reads."""
    return SimpleNamespace(tpool=ThreadPoolExecutor(max_workers=threads), cfg=SimpleNamespace(threads=threads))


def test_freezing_hides_the_objects_alive_now_from_the_collector(unfrozen):
    assert gc.get_freeze_count() == 0

    freeze_startup_objects()

    assert gc.get_freeze_count() > 10_000


def test_each_celery_pool_process_freezes_its_start_up_objects(unfrozen):
    worker_process_init.send(sender=None)

    assert gc.get_freeze_count() > 10_000


@pytest.mark.django_db(transaction=True)
def test_every_request_thread_has_its_own_open_connection_before_any_request(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    worker = _gthread_worker(3)
    try:
        connect_request_threads(worker)

        backends = _on_every_thread(worker.tpool, 3, _connected_backend)
        assert None not in backends
        assert len(set(backends)) == 3
    finally:
        _on_every_thread(worker.tpool, 3, lambda: connection.close())
        worker.tpool.shutdown()


@pytest.mark.django_db(transaction=True)
def test_without_persistent_connections_nothing_is_opened_early():
    assert not connection.settings_dict["CONN_MAX_AGE"]  # the test settings close them per request
    worker = _gthread_worker(2)
    try:
        connect_request_threads(worker)

        assert _on_every_thread(worker.tpool, 2, _connected_backend) == [None, None]
    finally:
        worker.tpool.shutdown()


def test_a_database_down_at_start_is_logged_and_the_server_still_starts(monkeypatch, caplog):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)

    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(DatabaseWrapper, "ensure_connection", refuse)
    worker = _gthread_worker(2)
    try:
        connect_request_threads(worker)  # does not raise
    finally:
        worker.tpool.shutdown()

    assert "could not connect the request threads at start: connection refused" in caplog.text


def test_celery_sending_is_built_without_touching_the_broker():
    """In a fresh interpreter, with nothing listening at the broker's address."""
    script = (
        "import sys, django; django.setup()\n"
        "from config.warmup import load_job_publishing\n"
        "load_job_publishing()\n"
        "print(all(name in sys.modules for name in ('celery.app.amqp', 'kombu.transport.redis')))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "true",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
