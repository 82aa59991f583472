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
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import psycopg
import requests

from bench.common import (
    ROOT,
    clear_redis,
    database_url,
    env_float,
    env_int,
    environment,
    free_port,
    manage,
    migrate,
    percentile,
    recreate_database,
    redis_url,
    start_fake_openai,
    start_gunicorn,
    start_workers,
    stop,
    stop_fake_openai,
    write_results,
)
from bench.fake_github import FakeGitHubServer

PAYLOAD = ROOT / "tests" / "data" / "github" / "webhooks" / "pull_request" / "opened.json"
SECRET = "bench-webhook-secret"
BENCH_REPO = "bench/repo"


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


def _count_deliveries(database: str) -> int:
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM reviews_delivery").fetchone()[0]


def _acknowledgement(sender: Sender, database: str, deliveries: int) -> dict:
    body = PAYLOAD.read_bytes()
    signed = sender.prepare([body] * deliveries)
    wall = time.perf_counter()
    results = sender.send_all(signed)
    wall = time.perf_counter() - wall
    latencies = [duration * 1000 for _start, duration, status in results]
    errors = sum(1 for _start, _duration, status in results if status != 202)
    stored = _count_deliveries(database)
    return {
        "deliveries": deliveries,
        "concurrency": sender.concurrency,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "requests_per_s": round(deliveries / wall, 1),
        "errors": errors,
        "stored": stored,
        "goal_met": percentile(latencies, 99) < 100 and errors == 0 and stored == deliveries,
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


def _ideal_p95(*, pulls: int, files: int, delay: float, rpm: int, workers: int, per_worker: int, file_conc: int):
    """Seconds until 95% of the reviews could be posted with the fake's latency, the worker
    slots and a moving-window RPM limit (a full window may be used at once)."""
    k95 = math.ceil(0.95 * pulls)
    per_pull = math.ceil(files / file_conc) * delay
    concurrency_bound = math.ceil(k95 / (workers * per_worker)) * per_pull
    calls = k95 * files
    rate_bound = 60 * ((calls - 1) // rpm) + per_pull
    return max(concurrency_bound, rate_bound)


def _reviews(env: dict, base_url: str, broker: str) -> dict:
    pulls, files = env_int("BENCH_PULLS", 50), env_int("BENCH_FILES", 10)
    delay, rpm = env_float("BENCH_LLM_DELAY_S", 1.0), env_int("BENCH_LLM_RPM", 600)
    worker_count, per_worker = env_int("BENCH_WORKERS", 2), env_int("BENCH_WORKER_CONCURRENCY", 1)
    file_concurrency = env_int("BENCH_FILE_CONCURRENCY", files)
    manage(
        env,
        "shell",
        "-c",
        "from issues.models import Project; "
        f"Project.objects.create(key='BENCH', name='Bench', github_repo='{BENCH_REPO}')",
    )
    clear_redis(broker)
    openai_port = free_port()
    openai = start_fake_openai(openai_port, delay_s=delay, rpm=rpm)
    github = FakeGitHubServer(files_per_pull=files).start()
    workers = []
    worker_env = {
        **env,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{openai_port}/v1",
        "OPENAI_API_KEY": "sk-bench",
        "LLM_RPM": str(rpm),
        "LLM_TPM": "100000000",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "bench-token",
        "REVIEW_FILE_CONCURRENCY": str(file_concurrency),
    }
    try:
        workers = start_workers(worker_env, count=worker_count, concurrency=per_worker)
        sender = Sender(f"{base_url}/webhooks/github/", env_int("BENCH_CONCURRENCY", 50))
        payloads = _pull_payloads(pulls, uuid.uuid4().hex)
        started_at = {}
        clock_offset = time.monotonic() - time.perf_counter()
        results = sender.send_all(sender.prepare([body for _number, body in payloads]))
        for (number, _body), (started, _duration, _status) in zip(payloads, results, strict=True):
            started_at[number] = started + clock_offset
        deadline = time.monotonic() + env_float("BENCH_REVIEW_TIMEOUT_S", 600)
        while len(github.posted_at) < pulls and time.monotonic() < deadline:
            time.sleep(0.2)
        latencies = [
            github.posted_at[number] - started_at[number] for number in started_at if number in github.posted_at
        ]
    finally:
        stop(*workers)
        github.stop()
        llm_stats = stop_fake_openai(openai)
    ideal = _ideal_p95(
        pulls=pulls,
        files=files,
        delay=delay,
        rpm=rpm,
        workers=worker_count,
        per_worker=per_worker,
        file_conc=file_concurrency,
    )
    p95 = percentile(latencies, 95) if latencies else None
    return {
        "pulls": pulls,
        "files_per_pull": files,
        "llm_delay_s": delay,
        "llm_rpm": rpm,
        "workers": worker_count,
        "worker_concurrency": per_worker,
        "file_concurrency": file_concurrency,
        "posted": len(latencies),
        "p50_s": round(percentile(latencies, 50), 2) if latencies else None,
        "p95_s": round(p95, 2) if p95 is not None else None,
        "max_s": round(max(latencies), 2) if latencies else None,
        "ideal_p95_s": round(ideal, 2),
        "ratio_to_ideal": round(p95 / ideal, 2) if p95 else None,
        "goal_met": bool(p95 and len(latencies) == pulls and p95 <= 1.2 * ideal),
        "llm_server": llm_stats,
        "github_posts": sum(len(items) for items in github.reviews.values()),
    }


def run() -> dict:
    database, broker = database_url("webhooks"), redis_url()
    deliveries, concurrency = env_int("BENCH_DELIVERIES", 1000), env_int("BENCH_CONCURRENCY", 50)
    print(f"database {urlparse(database).path.lstrip('/')}, redis {broker}", flush=True)
    recreate_database(database)
    env = environment(database, broker, GITHUB_WEBHOOK_SECRET=SECRET)
    migrate(env)
    clear_redis(broker)
    port = free_port()
    web = start_gunicorn(env, port, workers=env_int("BENCH_WEB_WORKERS", 2), threads=env_int("BENCH_WEB_THREADS", 8))
    base_url = f"http://127.0.0.1:{port}"
    try:
        sender = Sender(f"{base_url}/webhooks/github/", concurrency)
        sender.warm_up(base_url, concurrency * 2)
        ack = _acknowledgement(sender, database, deliveries)
        print(
            f"ack: {deliveries} deliveries at {concurrency} connections: p50 {ack['p50_ms']} ms, "
            f"p95 {ack['p95_ms']} ms, p99 {ack['p99_ms']} ms, max {ack['max_ms']} ms, "
            f"{ack['requests_per_s']} req/s, errors {ack['errors']}, stored {ack['stored']} "
            f"(goal p99 < 100 ms, 0 errors, {deliveries} stored: {'met' if ack['goal_met'] else 'NOT met'})",
            flush=True,
        )
        review = None
        if env_int("BENCH_PULLS", 50) > 0:
            review = _reviews(env, base_url, broker)
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
        stop(web)
    result = {"acknowledgement": ack, "reviews": review}
    write_results("webhooks", result)
    return result
