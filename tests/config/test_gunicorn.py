"""The real `gunicorn config.wsgi` with the project's gunicorn.conf.py, as the web process runs."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def test_the_web_process_serves_with_the_projects_gunicorn_conf():
    with running_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="2") as base:
        _wait_until_up(base)
        response = requests.get(f"{base}/healthz", timeout=5)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_web_process_serves_the_admins_static_files_with_debug_off_before_collectstatic(tmp_path):
    with running_gunicorn(WEB_CONCURRENCY="1", STATIC_ROOT=str(tmp_path / "empty")) as base:
        _wait_until_up(base)
        css = requests.get(f"{base}/static/admin/css/base.css", timeout=5)
        js = requests.get(f"{base}/static/admin/js/core.js", timeout=5)

    assert (css.status_code, js.status_code) == (200, 200)
    assert css.headers["Content-Type"].startswith("text/css")
    assert b"body" in css.content


def test_the_web_process_serves_collectstatics_compressed_copies(tmp_path):
    static_root = tmp_path / "collected"
    env = {
        **os.environ,
        "DEBUG": "true",
        "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )

    with running_gunicorn(WEB_CONCURRENCY="1", STATIC_ROOT=str(static_root)) as base:
        _wait_until_up(base)
        css = requests.get(f"{base}/static/admin/css/base.css", headers={"Accept-Encoding": "gzip"}, timeout=5)

    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "gzip"
