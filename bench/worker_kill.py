"""Recovery benchmark: a worker process is SIGKILLed in the middle of reviews.

BENCH_KILL_PULLS (8) ten-file pull requests are delivered to gunicorn and reviewed by two
`celery worker` processes (prefork, BENCH_KILL_CONCURRENCY = 2 each) against the fake OpenAI
server answering in BENCH_KILL_LLM_DELAY_S (2 s) and a fake GitHub, with beat running and every
job setting at its default (JOB_LEASE_S, JOB_STUCK_AFTER_S, the sweeper every minute). As soon
as the first worker's pool processes are running reviews, they are all SIGKILLed (the worker's
main process lives on and Celery requeues their tasks: `task_reject_on_worker_lost`). It reports
the seconds from the kill until every review is posted, and how many reviews GitHub received
per pull request. Goal: all posted within 90 s of the kill, none twice.

Uses its own database (<DATABASE_URL's name>_bench_kill, recreated) and REDIS_URL's database
(its queues and rate-limit keys are cleared).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

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

GOAL_S = 90


def _pool_processes(worker: subprocess.Popen) -> list[int]:
    """The pids of a worker's pool processes: its children, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker.pid:
            children.append(int(stat.parent.name))
    return children


def _running_reviews(database: str) -> int:
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM reviews_review WHERE state = 'running'").fetchone()[0]


def run() -> dict:
    pulls, files = env_int("BENCH_KILL_PULLS", 8), env_int("BENCH_KILL_FILES", 10)
    delay, concurrency = env_float("BENCH_KILL_LLM_DELAY_S", 2.0), env_int("BENCH_KILL_CONCURRENCY", 2)
    database, broker = database_url("kill"), redis_url()
    recreate_database(database)
    env = environment(database, broker, GITHUB_WEBHOOK_SECRET=SECRET)
    migrate(env)
    manage(env, "bootstrap")
    manage(
        env,
        "shell",
        "-c",
        "from issues.models import Project; "
        f"Project.objects.create(key='KILL', name='Kill', github_repo='{BENCH_REPO}')",
    )
    clear_redis(broker)
    openai_port, web_port = free_port(), free_port()
    openai = start_fake_openai(openai_port, delay_s=delay)
    github = FakeGitHubServer(files_per_pull=files).start()
    job_env = {
        **env,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{openai_port}/v1",
        "OPENAI_API_KEY": "sk-bench",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "bench-token",
    }
    web = start_gunicorn(env, web_port, workers=1, threads=4)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "WARNING", "-s", os.devnull,
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
        cwd=ROOT, env=job_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    victim, survivor = start_workers(job_env, count=2, concurrency=concurrency, name=f"kill-{uuid.uuid4().hex[:6]}")
    killed_at, killed = None, []
    try:
        sender = Sender(f"http://127.0.0.1:{web_port}/webhooks/github/", 10)
        sender.send_all(sender.prepare([body for _number, body in _pull_payloads(pulls, uuid.uuid4().hex)]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _running_reviews(database) < 2 * concurrency:
            time.sleep(0.05)
        time.sleep(delay / 2)  # inside the LLM calls
        killed = _pool_processes(victim)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        print(f"killed {len(killed)} pool processes of one worker mid-review", flush=True)
        deadline = killed_at + env_float("BENCH_KILL_TIMEOUT_S", 300)
        while len(github.posted_at) < pulls and time.monotonic() < deadline:
            time.sleep(0.2)
        last_posted = max(github.posted_at.values(), default=killed_at)
    finally:
        stop(victim, survivor, beat, web)
        github.stop()
        stop_fake_openai(openai)
    posts = {number: len(items) for number, items in github.reviews.items()}
    recovered_s = round(last_posted - killed_at, 1)
    result = {
        "pulls": pulls,
        "files_per_pull": files,
        "llm_delay_s": delay,
        "killed_pool_processes": len(killed),
        "posted": len(github.posted_at),
        "seconds_from_kill_to_all_posted": recovered_s,
        "posted_twice": sorted(number for number, count in posts.items() if count > 1),
        "review_states": review_states(database),
        "goal_met": len(github.posted_at) == pulls and recovered_s < GOAL_S and all(c == 1 for c in posts.values()),
    }
    print(
        f"worker kill: {result['posted']}/{pulls} reviews posted {recovered_s} s after the kill "
        f"(goal < {GOAL_S} s), posted twice: {result['posted_twice'] or 'none'}, states {result['review_states']} "
        f"({'met' if result['goal_met'] else 'NOT met'})",
        flush=True,
    )
    write_results("worker_kill", result)
    return result
