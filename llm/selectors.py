"""Reads of the ledger: usage totals per day, purpose and model."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from llm.choices import ERROR_OUTCOMES, UNFINISHED_OUTCOMES, Outcome
from llm.models import LLMCall

# Provider calls with a measured latency: not a cache hit, nor still in flight or lost.
TIMED_CALL = ~Q(outcome__in=(Outcome.CACHE_HIT, *UNFINISHED_OUTCOMES))


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=percentile, **extra)


def _percentile(values: list[float], fraction: float) -> float | None:
    """The same interpolation as percentile_cont, for databases without it (embedded SQLite)."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def calls_between(*, since: date, until: date, purpose: str = "", model: str = "") -> QuerySet:
    tz = timezone.get_current_timezone()
    queryset = LLMCall.objects.filter(
        created_at__gte=timezone.make_aware(datetime.combine(since, time.min), tz),
        created_at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min), tz),
    )
    if purpose:
        queryset = queryset.filter(purpose=purpose)
    if model:
        queryset = queryset.filter(model=model)
    return queryset


def _figures(**percentiles) -> dict:
    figures = {
        "calls": Count("id"),
        "cache_hits": Count("id", filter=Q(outcome=Outcome.CACHE_HIT)),
        "errors": Count("id", filter=Q(outcome__in=ERROR_OUTCOMES)),
        "prompt_tokens": Sum("prompt_tokens"),
        "completion_tokens": Sum("completion_tokens"),
        "cached_tokens": Sum("cached_tokens"),
        "cost_usd": Sum("cost_usd"),
    }
    if connection.vendor == "postgresql":
        figures["latency_p50_ms"] = PercentileCont("latency_ms", 0.5, filter=TIMED_CALL)
        figures["latency_p95_ms"] = PercentileCont("latency_ms", 0.95, filter=TIMED_CALL)
    return figures


def _finish(row: dict, latencies: list[float] | None = None) -> dict:
    calls, hits, errors = row["calls"], row["cache_hits"], row["errors"]
    provider_calls = calls - hits
    row.update(
        prompt_tokens=row["prompt_tokens"] or 0,
        completion_tokens=row["completion_tokens"] or 0,
        cached_tokens=row["cached_tokens"] or 0,
        cost_usd=row["cost_usd"] or Decimal("0"),
        cache_hit_rate=round(hits / calls, 4) if calls else 0.0,
        error_rate=round(errors / provider_calls, 4) if provider_calls else 0.0,
    )
    row["total_tokens"] = row["prompt_tokens"] + row["completion_tokens"]
    if latencies is not None:
        row["latency_p50_ms"] = _percentile(latencies, 0.5)
        row["latency_p95_ms"] = _percentile(latencies, 0.95)
    for key in ("latency_p50_ms", "latency_p95_ms"):
        row[key] = round(row[key], 1) if row.get(key) is not None else None
    return row


def llm_usage(*, since: date, until: date, purpose: str = "", model: str = "") -> dict:
    """{"rows": per (day, purpose, model), "totals": over all of them}. Error rate is over provider
    calls (cache hits cannot fail); latency percentiles are over provider calls only."""
    calls = calls_between(since=since, until=until, purpose=purpose, model=model)
    rows = list(
        calls.annotate(day=TruncDate("created_at"))
        .values("day", "purpose", "model")
        .annotate(**_figures())
        .order_by("-day", "purpose", "model")
    )
    totals = calls.aggregate(**_figures())
    if connection.vendor == "postgresql":
        return {"rows": [_finish(row) for row in rows], "totals": _finish(totals)}
    latencies: dict[tuple, list[float]] = {}
    provider_calls = calls.filter(TIMED_CALL).annotate(day=TruncDate("created_at"))
    for day, row_purpose, row_model, latency in provider_calls.values_list("day", "purpose", "model", "latency_ms"):
        latencies.setdefault((day, row_purpose, row_model), []).append(latency)
    return {
        "rows": [_finish(row, latencies.get((row["day"], row["purpose"], row["model"]), [])) for row in rows],
        "totals": _finish(totals, [value for values in latencies.values() for value in values]),
    }


def ledger_totals(queryset: QuerySet) -> dict:
    """Totals of a (filtered) ledger queryset, for the admin's change list."""
    totals = queryset.order_by().aggregate(
        n_calls=Count("id"),
        n_prompt=Sum("prompt_tokens"),
        n_completion=Sum("completion_tokens"),
        n_total=Sum(F("prompt_tokens") + F("completion_tokens")),
        n_cost=Sum("cost_usd"),
    )
    return {
        "calls": totals["n_calls"],
        "prompt_tokens": totals["n_prompt"] or 0,
        "completion_tokens": totals["n_completion"] or 0,
        "total_tokens": totals["n_total"] or 0,
        "cost_usd": totals["n_cost"] or Decimal("0"),
    }
