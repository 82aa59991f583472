"""LLM gateway benchmark: `python -m bench llm_throughput`.

A fake OpenAI server (tests/fakes/openai_server.py) answers in 200 ms and enforces
LLM_RPM=120 the way OpenAI does (429 + retry-after). Probe jobs (`llm.probe`, one structured
call each, all different so none is a cache hit) go through 2 `celery -A config worker`
processes with concurrency 4 each:

  global    the gateway's global limiter (Redis, `limits` moving window) at LLM_RPM=120
  celery    the limiter off and Celery's per-worker `rate_limit="120/m"` instead

Figures: provider calls per full minute of the run and overall, 429s the provider sent, wall
time, beside the ideal. Goal (global): >= 114 calls per minute (95% of the limit), zero 429s.
Then the cache: the median time of `llm.complete` answered from the cache (goal < 5 ms).

Environment: BENCH_LLM_JOBS (default 240, two minutes' worth; the full size is 300),
BENCH_LLM_CELERY_JOBS (default 180), BENCH_LLM_CACHE_CALLS (default 300), BENCH_DATABASE_URL
(default: DATABASE_URL's server, database `<its name>_bench_llm`; dropped and created),
BENCH_REDIS_URL (default REDIS_URL, else redis://127.0.0.1:6379/1).
"""

import json
import math
import os
import statistics
import sys
import time
import uuid

from bench.common import (
    RESULTS,
    database_url,
    env_int,
    environment,
    migrate,
    percentile,
    recreate_database,
    redis_url,
    run_child,
    start_workers,
    stop,
    worker_names,
    write_results,
)

RPM = 120
DELAY_S = 0.2
WORKERS = 2
CONCURRENCY = 4
GOAL_SHARE = 0.95
GOAL_CACHE_MS = 5.0


def run() -> dict:
    url, broker = database_url("llm"), redis_url()
    print(f"llm_throughput: database {url}, redis {broker}", flush=True)
    recreate_database(url)
    env = environment(url, broker, debug=True, LLM_RPM=RPM, LLM_TPM=10_000_000)
    migrate(env)
    run_child("bench.llm_throughput", env)
    return json.loads((RESULTS / "llm_throughput.json").read_text())


# --- the child: Django set up against the benchmark database --------------------------------


def _ideal_wall_s(jobs: int) -> float:
    full_windows = math.ceil(jobs / RPM) - 1
    last = jobs - full_windows * RPM
    return full_windows * 60.0 + math.ceil(last / (WORKERS * CONCURRENCY)) * DELAY_S


def _per_minute(times: list[float], start: float) -> list[int]:
    minutes = int((max(times) - start) // 60) if times else 0
    return [sum(1 for stamp in times if start + 60 * m <= stamp < start + 60 * (m + 1)) for m in range(minutes)]


def _phase(name: str, *, jobs: int, worker_env: dict, celery_rate_limit: str | None) -> dict:
    from config.celery import app
    from config.jobs.state import JobState
    from llm import ratelimit
    from llm.models import LLMProbe
    from tests.fakes.openai_server import FakeOpenAI

    ratelimit.reset()
    queue = f"bench-llm-{uuid.uuid4().hex[:8]}"
    with FakeOpenAI(delay_s=DELAY_S, rpm=RPM) as fake:
        env = {**worker_env, "OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": "sk-bench"}
        RESULTS.mkdir(exist_ok=True)
        log = open(RESULTS / f"llm_throughput-{name}-workers.log", "w")  # noqa: SIM115
        with log:
            workers = start_workers(env, count=WORKERS, queues=queue, concurrency=CONCURRENCY, name=queue, log=log)
            try:
                if celery_rate_limit:
                    destination = worker_names(queue, WORKERS)
                    app.control.rate_limit("llm.probe", celery_rate_limit, destination=destination, reply=True)
                probes = LLMProbe.objects.bulk_create(
                    [LLMProbe(question=f"{name} question {number} {uuid.uuid4().hex}") for number in range(jobs)]
                )
                started = time.time()
                for probe in probes:
                    app.send_task("llm.probe", args=[probe.pk], queue=queue)
                pending = {probe.pk for probe in probes}
                while pending:
                    time.sleep(0.5)
                    finished = LLMProbe.objects.filter(pk__in=pending, state__in=[JobState.DONE, JobState.FAILED])
                    pending -= set(finished.values_list("pk", flat=True))
                wall = time.time() - started
            finally:
                stop(*workers)
        failed = LLMProbe.objects.filter(pk__in=[probe.pk for probe in probes], state=JobState.FAILED).count()
        per_minute = _per_minute(sorted(fake.accepted_times), started)
        figures = {
            "jobs": jobs,
            "failed_jobs": failed,
            "wall_s": round(wall, 1),
            "ideal_wall_s": round(_ideal_wall_s(jobs), 1),
            "provider_requests": len(fake.requests),
            "provider_429s": fake.rate_limited,
            "accepted_calls": fake.accepted,
            "calls_per_full_minute": per_minute,
            "calls_per_minute": round(statistics.mean(per_minute), 1) if per_minute else None,
            "calls_per_minute_overall": round(fake.accepted / wall * 60, 1),
            "max_requests_in_60s": fake.max_in_window(60.0),
        }
    print(
        f"  {name:7} {jobs} jobs in {figures['wall_s']} s (ideal {figures['ideal_wall_s']} s); "
        f"answered calls per full minute {per_minute} (limit {RPM}), "
        f"overall {figures['calls_per_minute_overall']}/min; requests sent {figures['provider_requests']}, "
        f"provider 429s: {figures['provider_429s']}; busiest 60 s: {figures['max_requests_in_60s']} requests; "
        f"failed jobs: {failed}",
        flush=True,
    )
    return figures


def _cache_hits(calls: int) -> dict:
    from django.conf import settings
    from pydantic import BaseModel

    from llm import complete
    from tests.fakes.openai_server import FakeOpenAI

    class Answer(BaseModel):
        answer: str

    messages = [{"role": "user", "content": f"cache benchmark {uuid.uuid4().hex}"}]
    with FakeOpenAI(delay_s=DELAY_S) as fake:
        settings.OPENAI_BASE_URL = fake.url
        settings.OPENAI_API_KEY = "sk-bench"
        settings.LLM_RATELIMIT_ENABLED = False
        complete(purpose="bench.cache", messages=messages, output=Answer)
        timings = []
        for _ in range(calls):
            started = time.perf_counter()
            result = complete(purpose="bench.cache", messages=messages, output=Answer)
            timings.append((time.perf_counter() - started) * 1000)
            assert result.cached
        provider_calls = len(fake.requests)
    figures = {
        "calls": calls,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "provider_calls": provider_calls,
    }
    print(
        f"  cache   {calls} hits: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms "
        f"(goal median < {GOAL_CACHE_MS} ms; provider calls: {provider_calls})",
        flush=True,
    )
    return figures


def _child() -> None:
    import django

    django.setup()
    jobs = env_int("BENCH_LLM_JOBS", 240)
    celery_jobs = env_int("BENCH_LLM_CELERY_JOBS", 180)
    worker_env = dict(os.environ)
    print(
        f"  fake provider: {DELAY_S * 1000:.0f} ms per reply, {RPM} requests/min enforced with 429s; "
        f"{WORKERS} worker processes x concurrency {CONCURRENCY}",
        flush=True,
    )
    summary = {"rpm": RPM, "reply_delay_s": DELAY_S, "workers": WORKERS, "concurrency": CONCURRENCY}
    summary["global"] = _phase("global", jobs=jobs, worker_env=worker_env, celery_rate_limit=None)
    summary["celery"] = _phase(
        "celery",
        jobs=celery_jobs,
        worker_env={**worker_env, "LLM_RATELIMIT_ENABLED": "false"},
        celery_rate_limit=f"{RPM}/m",
    )
    summary["cache"] = _cache_hits(env_int("BENCH_LLM_CACHE_CALLS", 300))
    rate = summary["global"]["calls_per_minute"] or summary["global"]["calls_per_minute_overall"]
    summary["goal"] = (
        f">= {GOAL_SHARE * RPM:.0f} calls/min with zero 429s (global limiter); cache hit median < {GOAL_CACHE_MS} ms"
    )
    summary["goal_met"] = (
        rate >= GOAL_SHARE * RPM
        and summary["global"]["provider_429s"] == 0
        and summary["cache"]["median_ms"] < GOAL_CACHE_MS
    )
    print(f"  goal met: {summary['goal_met']} ({summary['goal']})", flush=True)
    write_results("llm_throughput", summary)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        run()
