"""What every benchmark needs, written once: its database and Redis, the process environment,
gunicorn, Celery workers, the fake OpenAI server in a process of its own, percentiles, results.

Run as `python -m bench.common --fake-openai '<json>'` it is that fake server's process (see
`start_fake_openai`).
"""

import importlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/triage_desk"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


# --- sizes and figures ----------------------------------------------------------------------


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def percentile(values, pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct`% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def write_results(name: str, results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


# --- database and Redis ---------------------------------------------------------------------


def database_url(name: str, override: str = "BENCH_DATABASE_URL") -> str:
    """The benchmark's own database: `override` if set, else DATABASE_URL's server with the
    database `<DATABASE_URL's name>_bench_<name>`."""
    if os.environ.get(override):
        return os.environ[override]
    base = urlparse(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    return base._replace(path=f"/{base.path.lstrip('/') or 'triage_desk'}_bench_{name}").geturl()


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def _admin(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    return parts._replace(path="/postgres").geturl(), parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure_database(url: str) -> None:
    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def clear_redis(url: str, queues=("default", "llm"), patterns=("LIMITS:*", "*provider-paused*")) -> None:
    """Empty the broker queues and the rate-limit keys an earlier run left in this Redis database."""
    client = redis.Redis.from_url(url)
    client.delete(*queues)
    for pattern in patterns:
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


def review_states(database: str) -> dict[str, int]:
    """{state: count} of the pull-request reviews in a benchmark's database."""
    with psycopg.connect(database) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM reviews_review GROUP BY state").fetchall())


# --- processes ------------------------------------------------------------------------------


def environment(database: str, redis: str | None, *, debug: bool = False, **extra) -> dict:
    """The environment of every process a benchmark starts: its database, its Redis (None:
    embedded mode), production settings unless `debug`, quiet text logs; `extra` on top."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        # DEBUG would record every query of a long-running process in memory.
        "DEBUG": "true" if debug else "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    # Stores derived from REDIS_URL, never left over from the caller's shell.
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "LLM_RATELIMIT_STORAGE_URL", "GITHUB_RATELIMIT_STORAGE_URL"):
        env.pop(name, None)
    if redis:
        env["REDIS_URL"] = redis
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def migrate(env: dict) -> None:
    manage(env, "migrate", "--noinput", "-v", "0")


def run_child(module: str, env: dict, *args: str, capture: bool = False) -> str:
    """Run `python -m <module> --child ...` with `env` (Django settings are fixed per process);
    returns its stdout when `capture`."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--child", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    return result.stdout or ""


def last_json_line(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(url: str, timeout: float = 30, ok=lambda response: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ok(requests.get(url, timeout=5)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL whatever has not exited 30 s later."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_gunicorn(env: dict, port: int, *, workers: int = 2, threads: int | None = None) -> subprocess.Popen:
    """`gunicorn config.wsgi` with the project's gunicorn.conf.py on 127.0.0.1:`port`, sized
    through the environment as in production; returns once /healthz answers 200."""
    env = {**env, "WEB_CONCURRENCY": str(workers)}
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_url(f"http://127.0.0.1:{port}/healthz", ok=lambda response: response.status_code == 200)
    except RuntimeError:
        stop(process)
        raise RuntimeError("gunicorn did not start") from None
    return process


def worker_names(name: str, count: int) -> list[str]:
    return [f"{name}-{index}@{socket.gethostname()}" for index in range(count)]


def start_workers(
    env: dict,
    *,
    count: int = 1,
    queues: str = "default,llm",
    concurrency: int = 1,
    pool: str | None = None,
    name: str = "bench",
    log=subprocess.DEVNULL,
    timeout: float = 60,
) -> list[subprocess.Popen]:
    """`count` `celery -A config worker` processes named `<name>-<n>@<host>`; returns once every
    one answers a ping (and stops them all if one exits or the timeout passes first)."""
    names = worker_names(name, count)
    workers = []
    for worker_name in names:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-c", str(concurrency)]
        command += ["-P", pool] if pool else []
        command += ["-n", worker_name, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
    ping = [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "1", "-d", ",".join(names)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            break
        answer = subprocess.run(ping, cwd=ROOT, env=env, capture_output=True, text=True)
        if answer.stdout.count("pong") >= count:
            return workers
        time.sleep(0.5)
    stop(*workers)
    raise RuntimeError("the Celery workers did not start")


# --- the fake OpenAI server in a process of its own ------------------------------------------


def start_fake_openai(
    port: int, *, delay_s: float, rpm: int | None = None, responder: str | None = None
) -> subprocess.Popen:
    """tests/fakes/openai_server.py on 127.0.0.1:`port` in its own process, so its request
    validation does not compete with the benchmark for one interpreter. `responder` is
    "module:function" (a body in, a reply out; see FakeOpenAI.set_responder). Its base URL is
    `http://127.0.0.1:<port>/v1`; `stop_fake_openai` ends it and returns its counts."""
    config = json.dumps({"port": port, "delay_s": delay_s, "rpm": rpm, "responder": responder})
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.common", "--fake-openai", config],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        stop(process)
        raise RuntimeError("the fake OpenAI server did not start")
    return process


def stop_fake_openai(process: subprocess.Popen) -> dict:
    output, _ = process.communicate(timeout=30)
    return last_json_line(output)


def _serve_fake_openai(config: dict) -> None:
    from tests.fakes.openai_server import FakeOpenAI

    fake = FakeOpenAI(port=config["port"], delay_s=config["delay_s"], rpm=config["rpm"])
    if config["responder"]:
        module, function = config["responder"].split(":")
        fake.set_responder(getattr(importlib.import_module(module), function))
    fake.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    print(json.dumps(fake.stats()), flush=True)
    fake.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fake-openai"]:
        _serve_fake_openai(json.loads(sys.argv[2]))
