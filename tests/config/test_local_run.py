"""`make run` on a developer's machine, the local .env it writes and what a Docker image holds."""

import os
import re
import runpy
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from config.ops.localenv import ensure_local_env

ROOT = Path(__file__).resolve().parents[2]


# --- make run: bind address, banner, first-start .env ------------------------------------------


def _gunicorn_bind(monkeypatch, **environ_) -> list[str] | None:
    for name in ("HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ_.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py")).get("bind")


def test_gunicorn_binds_host_and_port(monkeypatch):
    assert _gunicorn_bind(monkeypatch, HOST="127.0.0.1", PORT="9000") == ["127.0.0.1:9000"]
    assert _gunicorn_bind(monkeypatch, HOST="0.0.0.0", PORT="8000") == ["0.0.0.0:8000"]
    assert _gunicorn_bind(monkeypatch, HOST="::1", PORT="8000") == ["[::1]:8000"]
    assert _gunicorn_bind(monkeypatch) == ["127.0.0.1:8000"]


def test_gunicorn_with_only_a_port_keeps_its_platform_default(monkeypatch):
    # A platform that hands out PORT expects gunicorn's own default bind, 0.0.0.0:$PORT.
    assert _gunicorn_bind(monkeypatch, PORT="5000") is None


def test_the_docker_image_binds_every_interface():
    assert re.search(r"^ENV .*\bHOST=0\.0\.0\.0\b", (ROOT / "Dockerfile").read_text(), re.MULTILINE)


@pytest.fixture
def fake_venv(tmp_path):
    """A venv whose python and honcho only record how `make run` called them."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "calls.log"
    for tool in ("python", "honcho"):
        script = venv / "bin" / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $* HOST=$HOST PORT=$PORT POOL=$CELERY_WORKER_POOL" >> {log}\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**31, 2**31))  # newer than requirements.txt: no install
    return venv, log


def _make_run(venv: Path, **environ_) -> tuple[str, list[str]]:
    env = {key: value for key, value in os.environ.items() if key not in ("HOST", "PORT", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={venv}", *(f"{k}={v}" for k, v in environ_.items())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout, (venv.parent / "calls.log").read_text().splitlines()


def test_make_run_binds_this_machine_only_and_says_so(fake_venv):
    venv, _ = fake_venv

    banner, calls = _make_run(venv)

    assert "http://127.0.0.1:8000/" in banner
    assert calls[-1].startswith("python -m config.ops.procs start -f Procfile HOST=127.0.0.1 PORT=8000 ")


def test_make_run_binds_what_host_says(fake_venv):
    venv, _ = fake_venv

    banner, calls = _make_run(venv, HOST="0.0.0.0", PORT="9000")

    assert "http://0.0.0.0:9000/admin/" in banner
    assert calls[-1].startswith("python -m config.ops.procs start -f Procfile HOST=0.0.0.0 PORT=9000 ")


def test_make_run_runs_the_worker_without_pool_processes(fake_venv):
    venv, _ = fake_venv

    _, calls = _make_run(venv)

    assert calls[-1].endswith(" POOL=threads")


def test_make_run_writes_the_local_env_before_anything_reads_the_settings(fake_venv):
    venv, _ = fake_venv

    _, calls = _make_run(venv)

    assert [call.split(" HOST=")[0] for call in calls[:3]] == [
        "python -m config.ops.localenv",
        "python manage.py migrate --noinput",
        "python manage.py bootstrap --demo",
    ]


def test_the_local_env_has_debug_and_a_generated_secret_key(tmp_path):
    first, second = tmp_path / "a.env", tmp_path / "b.env"

    assert ensure_local_env(first) and ensure_local_env(second)

    values = [_read(path) for path in (first, second)]
    assert values[0]["DEBUG"] == "true"
    assert len(values[0]["SECRET_KEY"]) >= 50
    assert values[0]["SECRET_KEY"] != values[1]["SECRET_KEY"]
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def _read(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_an_existing_env_file_is_never_overwritten(tmp_path):
    path = tmp_path / ".env"
    path.write_text("SECRET_KEY=mine\nDEBUG=false\n")

    assert not ensure_local_env(path)
    assert path.read_text() == "SECRET_KEY=mine\nDEBUG=false\n"


def test_manage_py_works_outside_make_run_with_the_local_env(tmp_path):
    env_file = tmp_path / ".env"
    ensure_local_env(env_file)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        **_read(env_file),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr


def test_the_local_env_is_gitignored():
    result = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)

    assert result.returncode == 0


# --- .dockerignore -------------------------------------------------------------------------------


def _dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """(excludes, regex) per line of .dockerignore, with Docker's matching: `*` within one path
    element, `**` across them, a matched directory takes its contents along, `!` re-includes."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        rules.append((excludes, re.compile(f"{regex}(/.*)?")))
    return rules


def _excluded(path: str) -> bool:
    excluded = False
    for excludes, regex in _dockerignore_rules():
        if regex.fullmatch(path):
            excluded = excludes
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.local",
        "db.sqlite3",
        "db.sqlite3-wal",
        "var/celery/queue/message.msg",
        "var/llm-ratelimit.json",
        ".venv/bin/python",
        "config/__pycache__/urls.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/content",
        ".git",
        ".git/HEAD",
        "staticfiles/admin/css/base.css",
        "bench-results/latest.json",
    ],
)
def test_an_image_never_holds(path):
    assert _excluded(path)


@pytest.mark.parametrize(
    "path", ["manage.py", "requirements.txt", "config/settings/base.py", "templates/admin/base_site.html"]
)
def test_an_image_holds_the_code(path):
    assert (ROOT / path).exists()
    assert not _excluded(path)


# --- Ctrl-C on make run --------------------------------------------------------------------------


def _embedded_make_run_environment(tmp_path) -> dict[str, str]:
    """What `make run` exports, in embedded mode (SQLite, filesystem broker) under `tmp_path`."""
    from tests.config.test_gunicorn import _free_port

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL", "LLM_RATELIMIT_STORAGE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {
        **env,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # as the Makefile does
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DEBUG": "true",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        "HOST": "127.0.0.1",
        "PORT": str(_free_port()),
        "CELERY_WORKER_POOL": "threads",
    }


@pytest.fixture
def embedded_environment(tmp_path) -> dict[str, str]:
    """`make run`'s environment in embedded mode, its SQLite database migrated."""
    env = _embedded_make_run_environment(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return env


@pytest.mark.slow
def test_ctrl_c_on_make_run_stops_web_worker_and_beat_cleanly(tmp_path, embedded_environment):
    import signal
    import time

    env = embedded_environment
    log = tmp_path / "honcho.log"
    with log.open("w") as out:
        procs = subprocess.Popen(
            [sys.executable, "-m", "config.ops.procs", "start", "-f", "Procfile"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not all(line in log.read_text() for line in ("Booting worker", " ready.", "beat: Starting")):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            assert procs.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        started = time.monotonic()
        os.killpg(procs.pid, signal.SIGINT)  # what Ctrl-C does to the foreground process group
        procs.wait(timeout=60)
        stopped_after = time.monotonic() - started
    finally:
        if procs.poll() is None:  # honcho stops its processes (their own process groups) first
            procs.terminate()
            procs.wait(timeout=60)

    output = log.read_text().split("SIGINT received", 1)[1]
    assert "SIGKILL" not in output, output
    assert "ERROR" not in output, output
    for name in ("web.1", "worker.1", "beat.1"):
        assert f"{name} stopped" in output
    assert stopped_after < 15
