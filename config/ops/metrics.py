"""`GET /metrics`: Prometheus text format, computed at scrape time from the database (and the
broker's queue lengths, and the shared counters), so every web process answers the same
figures whatever process did the work. Access: `Authorization: Bearer <METRICS_TOKEN>` or a
staff session; otherwise 401/403 in the API's error format. See docs/operations.md, Metrics.
"""

import hmac
import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, Sum
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

from config.api.exceptions import error_body
from config.jobs.state import JOB_KINDS, JobState
from config.ops import counters

logger = logging.getLogger(__name__)

GITHUB_RATE_LIMIT_WAITS = "github_rate_limit_waits"
# `github`: GitHub answered with a rate limit; `local`: our own write limiter made a job wait.
GITHUB_RATE_LIMIT_SOURCES = ("github", "local")
# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)
BROKER_TIMEOUT_S = 2.0


def record_github_rate_limit_wait(source: str) -> None:
    counters.increment(GITHUB_RATE_LIMIT_WAITS, source)


class TriageDeskCollector:
    """Every figure read fresh at each scrape; nothing is kept in the process."""

    def collect(self):
        yield from self._jobs()
        yield from self._queues()
        yield from self._llm()
        yield from self._deliveries()
        yield from self._github_waits()

    def _jobs(self):
        jobs = GaugeMetricFamily("triage_jobs", "Background jobs by kind and state.", labels=["kind", "state"])
        stuck = GaugeMetricFamily(
            "triage_jobs_stuck",
            "Jobs pending or running with no change for JOB_STUCK_AFTER_S (what the sweeper re-sends).",
            labels=["kind"],
        )
        older_than = timedelta(seconds=settings.JOB_STUCK_AFTER_S)
        for kind in JOB_KINDS:
            state_field = kind.field("state")
            counts = dict(
                kind.model._default_manager.order_by()
                .values_list(state_field)
                .annotate(n=Count("pk"))
                .values_list(state_field, "n")
            )
            for state in JobState.values:
                jobs.add_metric([kind.task_name, state], counts.get(state, 0))
            stuck.add_metric([kind.task_name], kind.stuck(older_than=older_than).count())
        yield jobs
        yield stuck

    def _queues(self):
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://", "unix://")):
            return
        lengths = GaugeMetricFamily(
            "triage_queue_length", "Messages waiting in each Celery queue (the broker's lists).", labels=["queue"]
        )
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=BROKER_TIMEOUT_S, socket_timeout=BROKER_TIMEOUT_S)
            with client.pipeline(transaction=False) as pipe:
                names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
                for name in names:
                    for step in _PRIORITY_STEPS:
                        pipe.llen(name if step == 0 else f"{name}{_PRIORITY_SEPARATOR}{step}")
                results = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("metrics: queue lengths unavailable: %s", exc)
            return
        per_queue = len(_PRIORITY_STEPS)
        for index, name in enumerate(names):
            lengths.add_metric([name], sum(results[index * per_queue : (index + 1) * per_queue]))
        yield lengths

    def _llm(self):
        from llm.choices import Outcome
        from llm.models import LLMCall

        labels = ["purpose", "outcome"]
        calls = CounterMetricFamily(
            "triage_llm_calls", "LLM ledger rows: provider calls and cache hits.", labels=labels
        )
        tokens = CounterMetricFamily(
            "triage_llm_tokens", "Tokens of LLM calls (type: prompt or completion).", labels=[*labels, "type"]
        )
        cost = CounterMetricFamily("triage_llm_cost_usd", "Cost of LLM calls in USD (priced models).", labels=labels)
        latency = SummaryMetricFamily("triage_llm_latency_seconds", "Latency of LLM calls.", labels=labels)
        cache_hits = CounterMetricFamily(
            "triage_llm_cache_hits", "LLM replies served from the cache.", labels=["purpose"]
        )
        rows = (
            LLMCall.objects.order_by()
            .values("purpose", "outcome")
            .annotate(
                calls=Count("pk"),
                prompt=Sum("prompt_tokens"),
                completion=Sum("completion_tokens"),
                cost=Sum("cost_usd"),
                latency_ms=Sum("latency_ms"),
            )
        )
        for row in rows:
            key = [row["purpose"], row["outcome"]]
            calls.add_metric(key, row["calls"])
            tokens.add_metric([*key, "prompt"], row["prompt"] or 0)
            tokens.add_metric([*key, "completion"], row["completion"] or 0)
            cost.add_metric(key, float(row["cost"] or 0))
            latency.add_metric(key, count_value=row["calls"], sum_value=(row["latency_ms"] or 0) / 1000)
            if row["outcome"] == Outcome.CACHE_HIT:
                cache_hits.add_metric([row["purpose"]], row["calls"])
        yield from (calls, tokens, cost, latency, cache_hits)

    def _deliveries(self):
        from reviews.models import Delivery

        deliveries = GaugeMetricFamily(
            "triage_webhook_deliveries",
            "GitHub webhook deliveries kept (DELIVERY_RETENTION_DAYS) by event and state.",
            labels=["event", "state"],
        )
        rows = Delivery.objects.order_by().values_list("event", "state").annotate(n=Count("pk"))
        for event, state, n in rows:
            deliveries.add_metric([event, state], n)
        yield deliveries

    def _github_waits(self):
        waits = CounterMetricFamily(
            "triage_github_rate_limit_waits",
            "Jobs rescheduled for a GitHub rate limit (source: github answered one; local: the write limiter).",
            labels=["source"],
        )
        try:
            values = counters.read(GITHUB_RATE_LIMIT_WAITS, GITHUB_RATE_LIMIT_SOURCES)
        except Exception as exc:  # the cache is down: the other figures still answer
            logger.warning("metrics: counters unavailable: %s", exc)
            return
        for source, value in values.items():
            waits.add_metric([source], value)
        yield waits


registry = CollectorRegistry(auto_describe=False)
registry.register(TriageDeskCollector())


def _bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _refusal(request) -> JsonResponse | None:
    token = _bearer_token(request)
    if token is not None:
        expected = settings.METRICS_TOKEN
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return None
        response = JsonResponse(error_body("authentication_failed", "Invalid metrics token."), status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        response = JsonResponse(
            error_body("not_authenticated", "Send Authorization: Bearer <METRICS_TOKEN>, or log in as staff."),
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    if not user.is_staff:
        return JsonResponse(error_body("permission_denied", "Metrics are for staff."), status=403)
    return None


def metrics(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(error_body("method_not_allowed", f'Method "{request.method}" not allowed.'), status=405)
        response["Allow"] = "GET, HEAD"
        return response
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
