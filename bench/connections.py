"""Database connections under a burst of reviews: gunicorn + PostgreSQL + Redis + real workers.

BENCH_CONN_PULLS (20) pull requests of BENCH_CONN_FILES (10) files are delivered at once to
BENCH_CONN_WORKERS (2) worker processes of concurrency BENCH_CONN_CONCURRENCY (4), every file
of a review sent to the fake OpenAI server in parallel (REVIEW_FILE_CONCURRENCY = files) which
answers in BENCH_LLM_DELAY_S (1 s) under LLM_RPM=BENCH_LLM_RPM (600); GitHub faked on a local
port. Reports the reviews posted, failed and posted twice, the time from the first delivery
until every review is posted, and the peak number of PostgreSQL connections to the
benchmark's database (sampled every 50 ms), beside the budget of docs/operations.md
("Database connections"). Goal: 0 failed, each review posted once, the peak within the budget.

Uses its own database (<DATABASE_URL's name>_bench_connections, recreated) and REDIS_URL's
database (only the queues and the rate-limit keys it uses are cleared).
"""

import threading
import time
import uuid

import psycopg

from bench.common import (
    clear_redis,
    database_url,
    env_float,
    env_int,
    environment,
    free_port,
    manage,
    migrate,
    recreate_database,
    redis_url,
    review_states,
    start_fake_openai,
    start_gunicorn,
    start_workers,
    stop,
    stop_fake_openai,
    write_results,
)
from bench.fake_github import FakeGitHubServer
from bench.webhooks import BENCH_REPO, SECRET, Sender, _pull_payloads

DB_POOL_MAX_SIZE = 4  # the default, per process
WEB_WORKERS, WEB_THREADS = 1, 4
# A one-call-per-PR reviewer (pr-agent) needed 7-10 s for the same load on the same fakes.
ONE_CALL_PER_PR_S = 7.0


class ConnectionSampler:
    """Counts the connections to one database every `interval_s` from a thread; keeps the peak."""

    def __init__(self, database: str, interval_s: float = 0.05):
        self.name = database.rsplit("/", 1)[-1]
        self.admin = database.rsplit("/", 1)[0] + "/postgres"
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="connection-sampler", daemon=True)

    def _sample(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            while not self._stop.is_set():
                count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name])
                self.peak = max(self.peak, count.fetchone()[0])
                self._stop.wait(self.interval_s)

    def __enter__(self) -> "ConnectionSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def run() -> dict:
    pulls, files = env_int("BENCH_CONN_PULLS", 20), env_int("BENCH_CONN_FILES", 10)
    worker_count, concurrency = env_int("BENCH_CONN_WORKERS", 2), env_int("BENCH_CONN_CONCURRENCY", 4)
    delay, rpm = env_float("BENCH_LLM_DELAY_S", 1.0), env_int("BENCH_LLM_RPM", 600)
    database, broker = database_url("connections"), redis_url()
    recreate_database(database)
    env = environment(database, broker, GITHUB_WEBHOOK_SECRET=SECRET, DB_POOL_MAX_SIZE=DB_POOL_MAX_SIZE)
    migrate(env)
    manage(
        env,
        "shell",
        "-c",
        "from issues.models import Project; "
        f"Project.objects.create(key='CONN', name='Connections', github_repo='{BENCH_REPO}')",
    )
    clear_redis(broker)
    openai_port = free_port()
    openai = start_fake_openai(openai_port, delay_s=delay, rpm=rpm)
    github = FakeGitHubServer(files_per_pull=files).start()
    worker_env = {
        **env,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{openai_port}/v1",
        "OPENAI_API_KEY": "sk-bench",
        "LLM_RPM": str(rpm),
        "LLM_TPM": "100000000",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "bench-token",
        "REVIEW_FILE_CONCURRENCY": str(files),
    }
    port = free_port()
    web = start_gunicorn(env, port, workers=WEB_WORKERS, threads=WEB_THREADS)
    workers = []
    try:
        workers = start_workers(worker_env, count=worker_count, concurrency=concurrency, name="conn")
        sender = Sender(f"http://127.0.0.1:{port}/webhooks/github/", pulls)
        signed = sender.prepare([body for _number, body in _pull_payloads(pulls, uuid.uuid4().hex)])
        with ConnectionSampler(database) as sampler:
            started = time.monotonic()
            statuses = [status for _started, _duration, status in sender.send_all(signed)]
            deadline = started + env_float("BENCH_REVIEW_TIMEOUT_S", 300)
            while len(github.posted_at) < pulls and time.monotonic() < deadline:
                time.sleep(0.1)
            all_posted_s = max(github.posted_at.values()) - started if len(github.posted_at) == pulls else None
        states = review_states(database)
    finally:
        stop(*workers, web)
        github.stop()
        llm_stats = stop_fake_openai(openai)
    # Each process has its own pool; the worker's main (prefork) process holds none.
    budget = (WEB_WORKERS + worker_count * concurrency) * DB_POOL_MAX_SIZE
    posted_twice = sum(1 for reviews in github.reviews.values() if len(reviews) > 1)
    result = {
        "pulls": pulls,
        "files_per_pull": files,
        "workers": worker_count,
        "worker_concurrency": concurrency,
        "llm_delay_s": delay,
        "llm_rpm": rpm,
        "db_pool_max_size": DB_POOL_MAX_SIZE,
        "accepted": statuses.count(202),
        "posted": len(github.posted_at),
        "posted_twice": posted_twice,
        "failed": states.get("failed", 0),
        "review_states": states,
        "all_posted_s": round(all_posted_s, 2) if all_posted_s is not None else None,
        "peak_connections": sampler.peak,
        "connection_budget": budget,
        "llm_server": llm_stats,
    }
    result["goal_met"] = (
        result["posted"] == pulls
        and not posted_twice
        and not result["failed"]
        and sampler.peak <= budget
        and result["all_posted_s"] < ONE_CALL_PER_PR_S
    )
    print(
        f"connections: {pulls} PRs x {files} files delivered at once to {worker_count} workers x {concurrency} "
        f"(LLM {delay} s/answer, {rpm} RPM, pool {DB_POOL_MAX_SIZE}/process): posted {result['posted']}, "
        f"failed {result['failed']}, posted twice {posted_twice}, all posted after {result['all_posted_s']} s; "
        f"(goal < {ONE_CALL_PER_PR_S} s); peak PostgreSQL connections {sampler.peak} (budget {budget}) "
        f"({'met' if result['goal_met'] else 'NOT met'})",
        flush=True,
    )
    write_results("connections", result)
    return result
