"""The real `gunicorn config.wsgi` with the project's gunicorn.conf.py, as the web process runs."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_gunicorn(**environ):
    """The base URL of a gunicorn on the test database, sized by `environ`."""
    database = connection.settings_dict["NAME"]
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@127.0.0.1:5432/{database}",
        "DEBUG": "false",
        "SECRET_KEY": "gunicorn-test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORT": str(port),
        **environ,
    }
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        web.terminate()
        web.wait(timeout=30)


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):
            requests.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=5)
            return
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def _backends_of(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_workers_connect_their_threads_before_the_first_request():
    database = connection.settings_dict["NAME"]
    before = _backends_of(database)

    with running_gunicorn(WEB_CONCURRENCY="2", GUNICORN_THREADS="3") as base:
        deadline = time.monotonic() + 30
        while _backends_of(database) < before + 6 and time.monotonic() < deadline:
            time.sleep(0.1)

        assert _backends_of(database) == before + 6  # 2 workers x 3 threads, no request yet
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        assert _backends_of(database) == before + 6  # the request used its thread's connection


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_as_many_idle_keep_alive_connections_as_it_has_threads():
    """Two connections per thread: the other half is left for requests, so idle clients never
    keep a new one waiting."""
    with running_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="2") as base:
        _wait_until_up(base)
        clients = [requests.Session() for _ in range(4)]

        answers = [client.get(f"{base}/healthz", timeout=5) for client in clients]

        kept = [answer.headers.get("Connection", "").lower() != "close" for answer in answers]
        assert kept == [True, True, False, False]
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
