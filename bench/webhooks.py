"""Webhook and review benchmark: gunicorn + PostgreSQL + Redis + real Celery workers.

1. Acknowledgement: BENCH_DELIVERIES (1,000) signed `pull_request` deliveries at
   BENCH_CONCURRENCY (50) connections; p50/p95/p99 latency, errors, rows stored.
   Goal: p99 < 100 ms, no errors, exactly one row per delivery.
2. Reviews: BENCH_PULLS (50) pull requests of BENCH_FILES (10) files reviewed by
   BENCH_WORKERS (2) worker processes against the fake OpenAI server answering in
   BENCH_LLM_DELAY_S (1 s) with LLM_RPM=BENCH_LLM_RPM (600), GitHub faked on a local port;
   p95 delivery→posted review beside the ideal the rate limit and concurrency allow
   (goal: within 1.2x).

Uses its own database (<DATABASE_URL's name>_bench_webhooks, recreated) and REDIS_URL's
database (only the queues and the rate-limit keys it uses are cleared).
"""

import asyncio
import hashlib
import hmac
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis
import requests

from bench.fake_github import FakeGitHubServer

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests" / "data" / "github" / "webhooks" / "pull_request" / "opened.json"
SECRET = "bench-webhook-secret"
BENCH_REPO = "bench/repo"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[index]


def _database_url() -> str:
    base = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/triage_desk"))
    name = (base.path.lstrip("/") or "triage_desk") + "_bench_webhooks"
    return base._replace(path=f"/{name}").geturl()


def _recreate_database(url: str) -> None:
    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')


def _environment(database_url: str, redis_url: str, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _clear_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default", "llm")
    for pattern in ("LIMITS:*", "*provider-paused*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


def _start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    # Sized through the environment, as in production, so gunicorn.conf.py derives the rest.
    env = {
        **env,
        "WEB_CONCURRENCY": str(_int("BENCH_WEB_WORKERS", 2)),
        "GUNICORN_THREADS": str(_int("BENCH_WEB_THREADS", 8)),
    }
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _wait_for_url(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


class Sender:
    """Posts signed deliveries from `concurrency` concurrent clients, each delivery on a new
    connection as GitHub sends them (asyncio and raw HTTP/1.1, so the client spends little CPU
    beside the server on the same machine), timing each one from connect to response."""

    def __init__(self, url: str, concurrency: int):
        parts = urlparse(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.concurrency = concurrency

    def _request(self, body: bytes, event: str = "pull_request") -> bytes:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nUser-Agent: GitHub-Hookshot/bench\r\n"
            f"X-GitHub-Event: {event}\r\nX-GitHub-Delivery: {uuid.uuid4()}\r\n"
            f"X-Hub-Signature-256: {_sign(body)}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
        await reader.readexactly(length)
        return status

    async def _post(self, request: bytes) -> int:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request)
            await writer.drain()
            return await self._response(reader)
        finally:
            writer.close()

    async def _worker(self, queue: asyncio.Queue, results: list) -> None:
        while True:
            try:
                index, request = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(self._post(request), timeout=30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                status = 0
            results[index] = (started, time.perf_counter() - started, status)

    async def _send_all(self, signed: list[bytes]) -> list[tuple[float, float, int]]:
        queue: asyncio.Queue = asyncio.Queue()
        for item in enumerate(signed):
            queue.put_nowait(item)
        results: list = [None] * len(signed)
        await asyncio.gather(*(self._worker(queue, results) for _ in range(self.concurrency)))
        return results

    def prepare(self, bodies: list[bytes]) -> list[bytes]:
        """The signed HTTP requests, built before the clock starts (the client shares the CPUs
        with the server: signing 28 KB inside the timed window took CPU from it)."""
        return [self._request(body) for body in bodies]

    def send_all(self, signed: list[bytes]) -> list[tuple[float, float, int]]:
        return asyncio.run(self._send_all(signed))

    def warm_up(self, base_url: str, count: int) -> None:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            list(pool.map(lambda _n: requests.get(f"{base_url}/healthz", timeout=5), range(count)))


def _count_deliveries(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM reviews_delivery").fetchone()[0]


def _acknowledgement(sender: Sender, database_url: str, deliveries: int) -> dict:
    body = PAYLOAD.read_bytes()
    signed = sender.prepare([body] * deliveries)
    wall = time.perf_counter()
    results = sender.send_all(signed)
    wall = time.perf_counter() - wall
    latencies = [duration * 1000 for _start, duration, status in results]
    errors = sum(1 for _start, _duration, status in results if status != 202)
    stored = _count_deliveries(database_url)
    return {
        "deliveries": deliveries,
        "concurrency": sender.concurrency,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "requests_per_s": round(deliveries / wall, 1),
        "errors": errors,
        "stored": stored,
        "goal_met": _percentile(latencies, 99) < 100 and errors == 0 and stored == deliveries,
    }


def _pull_payloads(pulls: int, salt: str) -> list[tuple[int, bytes]]:
    template = json.loads(PAYLOAD.read_bytes())
    out = []
    for index in range(pulls):
        data = json.loads(json.dumps(template))
        number = 1000 + index
        data["number"] = number
        data["repository"]["full_name"] = BENCH_REPO
        pull = data["pull_request"]
        pull.update(number=number, id=900000 + index, draft=False, state="open")
        pull["head"]["sha"] = hashlib.sha1(f"{salt}-{number}".encode()).hexdigest()
        out.append((number, json.dumps(data).encode()))
    return out


def _start_workers(env: dict, count: int) -> list[subprocess.Popen]:
    workers = []
    for index in range(count):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "default,llm",
            "-c",
            str(_int("BENCH_WORKER_CONCURRENCY", 1)),
            "-n",
            f"bench{index}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ]
        workers.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "1"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if ping.stdout.count("pong") >= count:
            return workers
        time.sleep(0.5)
    for worker in workers:
        _stop(worker)
    raise RuntimeError("workers did not start")


def _ideal_p95(*, pulls: int, files: int, delay: float, rpm: int, workers: int, per_worker: int, file_conc: int):
    """Seconds until 95% of the reviews could be posted with the fake's latency, the worker
    slots and a moving-window RPM limit (a full window may be used at once)."""
    k95 = math.ceil(0.95 * pulls)
    per_pull = math.ceil(files / file_conc) * delay
    concurrency_bound = math.ceil(k95 / (workers * per_worker)) * per_pull
    calls = k95 * files
    rate_bound = 60 * ((calls - 1) // rpm) + per_pull
    return max(concurrency_bound, rate_bound)


def _reviews(env: dict, base_url: str, redis_url: str) -> dict:
    pulls, files = _int("BENCH_PULLS", 50), _int("BENCH_FILES", 10)
    delay, rpm = _float("BENCH_LLM_DELAY_S", 1.0), _int("BENCH_LLM_RPM", 600)
    worker_count, per_worker = _int("BENCH_WORKERS", 2), _int("BENCH_WORKER_CONCURRENCY", 1)
    file_concurrency = _int("BENCH_FILE_CONCURRENCY", files)
    _manage(
        env,
        "shell",
        "-c",
        "from issues.models import Project; "
        f"Project.objects.create(key='BENCH', name='Bench', github_repo='{BENCH_REPO}')",
    )
    _clear_redis(redis_url)
    openai_port = _free_port()
    openai = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(openai_port), "--delay", str(delay)]
        + ["--rpm", str(rpm)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    openai_url = f"http://127.0.0.1:{openai_port}/v1"
    github = FakeGitHubServer(files_per_pull=files).start()
    workers: list[subprocess.Popen] = []
    llm_stats: dict = {}
    worker_env = {
        **env,
        "OPENAI_BASE_URL": openai_url,
        "OPENAI_API_KEY": "sk-bench",
        "LLM_RPM": str(rpm),
        "LLM_TPM": "100000000",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "bench-token",
        "REVIEW_FILE_CONCURRENCY": str(file_concurrency),
    }
    try:
        _wait_for_url(f"http://127.0.0.1:{openai_port}/stats")
        workers = _start_workers(worker_env, worker_count)
        sender = Sender(f"{base_url}/webhooks/github/", _int("BENCH_CONCURRENCY", 50))
        payloads = _pull_payloads(pulls, uuid.uuid4().hex)
        started_at = {}
        clock_offset = time.monotonic() - time.perf_counter()
        results = sender.send_all(sender.prepare([body for _number, body in payloads]))
        for (number, _body), (started, _duration, _status) in zip(payloads, results, strict=True):
            started_at[number] = started + clock_offset
        deadline = time.monotonic() + _float("BENCH_REVIEW_TIMEOUT_S", 600)
        while len(github.posted_at) < pulls and time.monotonic() < deadline:
            time.sleep(0.2)
        latencies = [
            github.posted_at[number] - started_at[number] for number in started_at if number in github.posted_at
        ]
    finally:
        for worker in workers:
            _stop(worker)
        github.stop()
        try:
            llm_stats = requests.get(f"http://127.0.0.1:{openai_port}/stats", timeout=5).json()
        except requests.RequestException:
            pass
        _stop(openai)
    ideal = _ideal_p95(
        pulls=pulls,
        files=files,
        delay=delay,
        rpm=rpm,
        workers=worker_count,
        per_worker=per_worker,
        file_conc=file_concurrency,
    )
    p95 = _percentile(latencies, 95) if latencies else None
    return {
        "pulls": pulls,
        "files_per_pull": files,
        "llm_delay_s": delay,
        "llm_rpm": rpm,
        "workers": worker_count,
        "worker_concurrency": per_worker,
        "file_concurrency": file_concurrency,
        "posted": len(latencies),
        "p50_s": round(_percentile(latencies, 50), 2) if latencies else None,
        "p95_s": round(p95, 2) if p95 is not None else None,
        "max_s": round(max(latencies), 2) if latencies else None,
        "ideal_p95_s": round(ideal, 2),
        "ratio_to_ideal": round(p95 / ideal, 2) if p95 else None,
        "goal_met": bool(p95 and len(latencies) == pulls and p95 <= 1.2 * ideal),
        "llm_server": llm_stats,
        "github_posts": sum(len(items) for items in github.reviews.values()),
    }


def run() -> dict:
    database_url = _database_url()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    deliveries, concurrency = _int("BENCH_DELIVERIES", 1000), _int("BENCH_CONCURRENCY", 50)
    print(f"database {urlparse(database_url).path.lstrip('/')}, redis {redis_url}", flush=True)
    _recreate_database(database_url)
    env = _environment(database_url, redis_url)
    _manage(env, "migrate", "--noinput")
    _clear_redis(redis_url)
    port = _free_port()
    web = _start_gunicorn(env, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        sender = Sender(f"{base_url}/webhooks/github/", concurrency)
        sender.warm_up(base_url, concurrency * 2)
        ack = _acknowledgement(sender, database_url, deliveries)
        print(
            f"ack: {deliveries} deliveries at {concurrency} connections: p50 {ack['p50_ms']} ms, "
            f"p95 {ack['p95_ms']} ms, p99 {ack['p99_ms']} ms, max {ack['max_ms']} ms, "
            f"{ack['requests_per_s']} req/s, errors {ack['errors']}, stored {ack['stored']} "
            f"(goal p99 < 100 ms, 0 errors, {deliveries} stored: {'met' if ack['goal_met'] else 'NOT met'})",
            flush=True,
        )
        review = None
        if _int("BENCH_PULLS", 50) > 0:
            review = _reviews(env, base_url, redis_url)
        if review:
            print(
                f"reviews: {review['pulls']} PRs x {review['files_per_pull']} files, {review['workers']} workers "
                f"(concurrency {review['worker_concurrency']}, {review['file_concurrency']} files at once), "
                f"LLM {review['llm_delay_s']} s/answer at {review['llm_rpm']} RPM: posted {review['posted']}, "
                f"delivery->posted p50 {review['p50_s']} s, p95 {review['p95_s']} s, max {review['max_s']} s; "
                f"ideal p95 {review['ideal_p95_s']} s, ratio {review['ratio_to_ideal']} "
                f"(goal <= 1.2: {'met' if review['goal_met'] else 'NOT met'}); "
                f"LLM server {review['llm_server']}, GitHub reviews posted {review['github_posts']}",
                flush=True,
            )
    finally:
        _stop(web)
    result = {"acknowledgement": ack, "reviews": review}
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "webhooks.json").write_text(json.dumps(result, indent=2))
    return result
