from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from llm.choices import Outcome
from llm.models import LLMCall

pytestmark = pytest.mark.django_db


def ledger_row(**fields) -> LLMCall:
    defaults = {
        "purpose": "issues.triage",
        "model": "gpt-4o-mini",
        "outcome": Outcome.OK,
        "request_hash": "a" * 64,
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "cost_usd": Decimal("0.000027"),
        "latency_ms": 100.0,
        "prompt": [{"role": "user", "content": "hi"}],
        "reply": "{}",
    }
    return LLMCall.objects.create(**{**defaults, **fields})


def test_calls_are_staff_only(user_client):
    assert user_client.get("/api/llm/calls/").status_code == 403
    assert user_client.get("/api/llm/usage/").status_code == 403


def test_calls_list_filters_by_outcome_without_payloads(staff_client):
    ledger_row()
    failed = ledger_row(outcome=Outcome.TRANSIENT_ERROR, status_code=500, error_type="http_500")

    body = staff_client.get("/api/llm/calls/", {"outcome": "transient_error"}).json()

    assert [row["id"] for row in body["results"]] == [failed.pk]
    assert "prompt" not in body["results"][0]


def test_call_detail_has_prompt_and_reply(staff_client):
    call = ledger_row()

    body = staff_client.get(f"/api/llm/calls/{call.pk}/").json()

    assert (body["prompt"], body["reply"]) == ([{"role": "user", "content": "hi"}], "{}")


def test_calls_list_filters_by_subject(staff_client, user):
    ledger_row()
    mine = ledger_row(subject_type_id=None, subject_id=str(user.pk))
    from django.contrib.contenttypes.models import ContentType

    LLMCall.objects.filter(pk=mine.pk).update(subject_type=ContentType.objects.get_for_model(user))

    body = staff_client.get("/api/llm/calls/", {"subject_type": "auth.user", "subject_id": user.pk}).json()

    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_usage_totals_per_day_purpose_and_model(staff_client):
    for latency in (100.0, 200.0, 300.0):
        ledger_row(latency_ms=latency)
    ledger_row(outcome=Outcome.CACHE_HIT, prompt_tokens=0, completion_tokens=0, cost_usd=0, latency_ms=1.0)
    ledger_row(outcome=Outcome.TRANSIENT_ERROR, prompt_tokens=0, completion_tokens=0, cost_usd=None, latency_ms=400.0)
    ledger_row(purpose="reviews.review", latency_ms=50.0)

    body = staff_client.get("/api/llm/usage/").json()

    triage = next(row for row in body["results"] if row["purpose"] == "issues.triage")
    assert triage["day"] == timezone.localdate().isoformat()
    assert (triage["calls"], triage["cache_hits"], triage["errors"]) == (5, 1, 1)
    assert (triage["cache_hit_rate"], triage["error_rate"]) == (0.2, 0.25)
    assert (triage["prompt_tokens"], triage["total_tokens"]) == (300, 360)
    assert Decimal(triage["cost_usd"]) == Decimal("0.000081")
    assert (triage["latency_p50_ms"], triage["latency_p95_ms"]) == (250.0, 385.0)
    assert body["totals"]["calls"] == 6
    assert body["count"] == 2


def test_usage_filters_by_date_range_and_purpose(staff_client):
    old = ledger_row()
    LLMCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    ledger_row(purpose="reviews.review")
    ledger_row()

    body = staff_client.get("/api/llm/usage/", {"purpose": "issues.triage"}).json()

    assert body["totals"]["calls"] == 1


def test_usage_rejects_a_bad_range(staff_client):
    response = staff_client.get("/api/llm/usage/", {"since": "2026-02-01", "until": "2026-01-01"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_calls_list_query_count_is_fixed(staff_client, django_assert_max_num_queries):
    for _ in range(5):
        ledger_row()

    with django_assert_max_num_queries(4):
        staff_client.get("/api/llm/calls/")


def test_embedded_percentiles_match_postgres_interpolation():
    from llm.selectors import _percentile

    assert (_percentile([300.0, 100.0, 400.0, 200.0], 0.5), _percentile([100.0, 200.0, 300.0, 400.0], 0.95)) == (
        250.0,
        385.0,
    )
