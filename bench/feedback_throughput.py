"""Feedback throughput: feedback items through real Celery worker processes and the LLM gateway.

A fake OpenAI server (tests/fakes/openai_server.py, real HTTP) answers every call after
FEEDBACK_BENCH_DELAY_S (0.5 s) with a summary and two valid adjustments; the gateway's global
limiter runs at LLM_RPM=600. FEEDBACK_BENCH_ITEMS (200) feedback items are created through the
service (as POST /api/feedback/ does) all at once; we report completed per minute and p50/p95
time from creation to `done`, beside the ideal set by the rate limit and worker concurrency.

    python -m bench feedback_throughput
    FEEDBACK_BENCH_ITEMS=1000 FEEDBACK_BENCH_CONCURRENCY=8 python -m bench feedback_throughput

Uses its own database (FEEDBACK_BENCH_DATABASE_URL, default: DATABASE_URL's server with the
database `<name>_bench_feedback`, created and migrated if missing) and the Redis database of
REDIS_URL (default redis://127.0.0.1:6379/1), whose queues and LLM rate-limit windows it empties
first.
"""

import heapq
import json
import os
import sys
import time

from bench.common import (
    database_url,
    ensure_database,
    env_float,
    env_int,
    environment,
    free_port,
    last_json_line,
    migrate,
    percentile,
    redis_url,
    run_child,
    start_fake_openai,
    start_workers,
    stop,
    stop_fake_openai,
    write_results,
)

NAME = "feedback_throughput"

ITEMS = env_int("FEEDBACK_BENCH_ITEMS", 200)
CONCURRENCY = env_int("FEEDBACK_BENCH_CONCURRENCY", 5)
POOL = os.environ.get("FEEDBACK_BENCH_POOL", "prefork")
DELAY_S = env_float("FEEDBACK_BENCH_DELAY_S", 0.5)
RPM = env_int("FEEDBACK_BENCH_RPM", 600)
TIMEOUT_S = env_float("FEEDBACK_BENCH_TIMEOUT_S", 600)
# The limiter's window is a minute plus LLM_RATELIMIT_MARGIN_S (llm/ratelimit.py).
WINDOW_S = 61.0
TASKS_PER_PROJECT = 10


# --- ideal -------------------------------------------------------------------------------


def ideal(items: int, concurrency: int, call_s: float, rpm: int) -> dict:
    """Completion times when only the limits act, all items queued at once: `concurrency`
    calls of `call_s` at a time, and (the limiter's moving window) call k starts no earlier
    than one window after call k - rpm started."""
    slots = [0.0] * concurrency
    starts, finish = [], []
    for k in range(items):
        start = heapq.heappop(slots)
        if k >= rpm:
            start = max(start, starts[k - rpm] + WINDOW_S)
        starts.append(start)
        finish.append(start + call_s)
        heapq.heappush(slots, start + call_s)
    makespan = max(finish)
    return {
        "steady_per_minute": min(rpm, concurrency * 60 / call_s),
        "per_minute": items / makespan * 60,
        "makespan_s": makespan,
        "p50_s": percentile(finish, 50),
        "p95_s": percentile(finish, 95),
    }


# --- the run (in a child process with the bench environment) -----------------------------


def respond(body: dict) -> dict:
    """A summary and two valid adjustments: one on the first task the LLM was shown, one general."""
    context = json.loads(body["messages"][-1]["content"])
    empty = dict.fromkeys(["title", "new_description", "status", "estimated_hours"])
    return {
        "summary": "The export is slow.",
        "adjustments": [
            {
                **empty,
                "type": "task_priority",
                "task_id": context["open_tasks"][0]["id"],
                "priority": 1,
                "description": "Raise the priority of the export task.",
                "reasoning": "Users wait minutes.",
            },
            {
                **empty,
                "type": "general",
                "task_id": None,
                "priority": None,
                "description": "Ask users which formats they need.",
                "reasoning": "PDF may be unused.",
            },
        ],
    }


def _reset_shared_state(app) -> None:
    from llm import ratelimit

    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection).purge()
    # Windows left by an earlier run would throttle this one.
    ratelimit.reset()


def _process_all(project, count: int, label: str, timeout_s: float) -> tuple[list[int], float]:
    from config.jobs.state import JobState
    from feedback.models import Feedback
    from feedback.services import feedback_create

    started = time.monotonic()
    ids = [feedback_create(project=project, text=f"{label} {n}: the export takes minutes.").pk for n in range(count)]
    posting_s = time.monotonic() - started
    finished = Feedback.objects.filter(pk__in=ids, state__in=[JobState.DONE, JobState.FAILED])
    while finished.count() < count and time.monotonic() < started + timeout_s:
        time.sleep(0.1)
    return ids, posting_s


def _project(key: str):
    from issues.actors import SYSTEM
    from issues.models import Project
    from issues.services import task_create

    project = Project.objects.create(key=key, name="Feedback benchmark")
    for n in range(TASKS_PER_PROJECT):
        task_create(project=project, title=f"Task {n}", actor=SYSTEM, estimated_hours=2)
    return project


def child() -> None:
    import django

    django.setup()
    from config.celery import app
    from config.jobs.state import JobState
    from feedback.models import Feedback
    from issues.models import Project

    Project.objects.filter(key__startswith="BFB").delete()
    run_id = os.getpid() % 1_000_000
    warmup, project = _project(f"BFBW{run_id}"), _project(f"BFB{run_id}")
    _reset_shared_state(app)
    fake = start_fake_openai(
        int(os.environ["FEEDBACK_BENCH_FAKE_PORT"]), delay_s=DELAY_S, responder="bench.feedback_throughput:respond"
    )
    workers = []
    try:
        # The workers' banners and logs go to stderr: stdout carries this run's figures.
        workers = start_workers(
            dict(os.environ), concurrency=CONCURRENCY, pool=POOL, name=f"bench-feedback-{os.getpid()}", log=sys.stderr
        )
        # Every worker child's first task pays for imports and connections: not the steady state.
        _process_all(warmup, 2 * CONCURRENCY, "Warm-up", 60)
        _reset_shared_state(app)
        ids, posted_s = _process_all(project, ITEMS, "Feedback", TIMEOUT_S)
    finally:
        stop(*workers)
        fake_stats = stop_fake_openai(fake)

    from django.db.models import Avg

    from llm.models import LLMCall

    rows = list(Feedback.objects.filter(pk__in=ids).values_list("state", "created_at", "processed_at"))
    call_ids = Feedback.objects.filter(pk__in=ids).values("llm_call_id")
    llm_ms = LLMCall.objects.filter(pk__in=call_ids).aggregate(avg=Avg("latency_ms"))["avg"]
    done = [(created, processed) for state, created, processed in rows if state == JobState.DONE]
    latencies = [(processed - created).total_seconds() for created, processed in done]
    span_s = (max(p for _, p in done) - min(c for _, c, _ in rows)).total_seconds() if done else float("nan")
    print(
        json.dumps(
            {
                "done": len(done),
                "failed": sum(1 for state, *_ in rows if state == JobState.FAILED),
                "unfinished": sum(1 for state, *_ in rows if state not in (JobState.DONE, JobState.FAILED)),
                "posting_s": round(posted_s, 2),
                "span_s": span_s,
                "per_minute": len(done) / span_s * 60 if done else 0.0,
                "p50_s": percentile(latencies, 50) if latencies else None,
                "p95_s": percentile(latencies, 95) if latencies else None,
                # The fake's counts include the warm-up calls.
                "llm_requests": fake_stats["requests"],
                # The provider call as the gateway timed it (the fake's delay plus HTTP and its checks).
                "llm_latency_s": llm_ms / 1000 if llm_ms else None,
                "llm_max_in_60s": fake_stats["max_in_60s"],
                "invalid_requests": fake_stats["invalid_requests"],
            }
        )
    )


# --- entry point ---------------------------------------------------------------------------


def run() -> dict:
    port = free_port()
    database = database_url("feedback", override="FEEDBACK_BENCH_DATABASE_URL")
    env = environment(
        database,
        redis_url(),
        OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1",
        OPENAI_API_KEY="sk-bench-fake",
        LLM_RPM=RPM,
        # Only the request limit is under test: the token budget must not bind.
        LLM_TPM=100_000_000,
        FEEDBACK_BENCH_FAKE_PORT=port,
    )
    ensure_database(database)
    migrate(env)
    # A process of its own: Django settings (this benchmark's database) are fixed per process.
    measured = last_json_line(run_child("bench.feedback_throughput", env, capture=True))
    best = ideal(ITEMS, CONCURRENCY, DELAY_S, RPM)
    ratio = measured["per_minute"] / best["per_minute"] if best["per_minute"] else 0.0
    result = {
        "name": NAME,
        "items": ITEMS,
        "worker_concurrency": CONCURRENCY,
        "llm_delay_s": DELAY_S,
        "llm_rpm": RPM,
        "ideal": best,
        "measured": measured,
        "throughput_vs_ideal": ratio,
        "goal_met": ratio >= 0.9 and measured["done"] == ITEMS,
    }
    _report(result)
    write_results(NAME, result)
    return result


def _report(result: dict) -> None:
    best, got = result["ideal"], result["measured"]
    print(
        f"{result['items']} feedback items, worker concurrency {result['worker_concurrency']} ({POOL}), "
        f"LLM reply {result['llm_delay_s']} s, LLM_RPM {result['llm_rpm']}"
    )
    print(
        f"  steady-state limit {best['steady_per_minute']:.1f}/min (the lower of LLM_RPM and concurrency / reply time)"
    )
    print(f"  {'':24}{'ideal':>10}{'measured':>12}")
    print(f"  {'completed per minute':24}{best['per_minute']:10.1f}{got['per_minute']:12.1f}")
    print(f"  {'time to finish all (s)':24}{best['makespan_s']:10.2f}{got['span_s']:12.2f}")
    for pct in ("p50", "p95"):
        value = got[f"{pct}_s"] if got[f"{pct}_s"] is not None else float("nan")
        print(f"  {pct + ' POST to done (s)':24}{best[pct + '_s']:10.2f}{value:12.2f}")
    print(
        f"  done {got['done']}, failed {got['failed']}, unfinished {got['unfinished']}; "
        f"LLM requests {got['llm_requests']} with warm-up (most in 60 s: {got['llm_max_in_60s']}); "
        f"posting took {got['posting_s']} s"
    )
    if got["llm_latency_s"]:
        # Everything a task does beyond waiting for the provider: broker, claim, context, gateway, save.
        per_task = got["span_s"] * result["worker_concurrency"] / got["done"]
        print(
            f"  provider call as timed by the gateway {got['llm_latency_s'] * 1000:.0f} ms; "
            f"a task's whole time ~{per_task * 1000:.0f} ms (span x concurrency / items)"
        )
    verdict = "met" if result["goal_met"] else "NOT met"
    print(f"  throughput {result['throughput_vs_ideal']:.1%} of ideal: goal (within 10%) {verdict}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        run()
