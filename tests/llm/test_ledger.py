"""A provider call is on the ledger before it is made, and a call that never finished is lost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from llm import complete
from llm.choices import Outcome
from llm.errors import LLMPermanentError
from llm.models import LLMCall
from llm.pricing import call_cost
from llm.services import LOST_CALL_MARGIN_S, llm_mark_lost_calls
from tests.llm.conftest import Verdict

MESSAGES = [{"role": "system", "content": "Classify."}, {"role": "user", "content": "The app crashes on start."}]


def ask():
    return complete(purpose="tests.classify", messages=MESSAGES, output=Verdict)


def in_flight_row(**fields) -> LLMCall:
    defaults = {
        "purpose": "tests.classify",
        "model": "gpt-4o-mini",
        "outcome": Outcome.IN_FLIGHT,
        "request_hash": "0" * 64,
        "prompt_tokens": 1000,
        "cost_usd": Decimal("0.000450"),
    }
    return LLMCall.objects.create(**{**defaults, **fields})


@pytest.mark.django_db(transaction=True)
def test_the_call_is_on_the_ledger_in_flight_while_the_provider_answers(fake_openai, settings):
    seen = []

    def answer(body):
        # The fake server's thread reads what other processes would see: committed rows.
        seen.extend(LLMCall.objects.values_list("outcome", "prompt_tokens", "completion_tokens", "cost_usd"))
        connection.close()
        return {"label": "bug", "score": 3}

    fake_openai.set_responder(answer)

    result = ask()

    [(outcome, prompt_tokens, completion_tokens, cost)] = seen
    assert (outcome, completion_tokens) == (Outcome.IN_FLIGHT, 0)
    assert prompt_tokens > 0
    assert cost == call_cost(
        model=settings.LLM_MODEL, prompt_tokens=prompt_tokens, completion_tokens=settings.LLM_COMPLETION_TOKENS_ESTIMATE
    )
    finished = LLMCall.objects.get()
    assert (finished.pk, finished.outcome, finished.status_code) == (result.call_id, Outcome.OK, 200)
    assert finished.completion_tokens > 0 and finished.latency_ms > 0


@pytest.mark.django_db(transaction=True)
def test_no_database_connection_is_held_while_the_provider_answers(fake_openai):
    held = []

    def answer(body):
        held.append(this_thread.connection is not None)
        return {"label": "bug", "score": 3}

    this_thread = connection._connections[connection._alias]  # this thread's wrapper, not a proxy
    fake_openai.set_responder(answer)

    ask()

    assert held == [False]


@pytest.mark.django_db
def test_inside_a_transaction_the_connection_stays(fake_openai):
    held = []
    this_thread = connection._connections[connection._alias]

    def answer(body):
        held.append(this_thread.connection is not None)
        return {"label": "bug", "score": 3}

    fake_openai.set_responder(answer)

    ask()  # the test's transaction is open: closing its connection would lose it

    assert held == [True]


@pytest.mark.django_db(transaction=True)
def test_a_provider_error_finishes_the_row_with_its_outcome(fake_openai):
    fake_openai.add_error(400)

    with pytest.raises(LLMPermanentError):
        ask()

    call = LLMCall.objects.get()
    assert (call.outcome, call.status_code, call.prompt_tokens, call.cost_usd) == (
        Outcome.PERMANENT_ERROR,
        400,
        0,
        None,
    )


@pytest.mark.django_db
def test_a_call_in_flight_past_the_hard_time_limit_becomes_lost_with_its_estimated_cost(settings):
    settings.CELERY_TASK_TIME_LIMIT = 360
    stale = in_flight_row()
    LLMCall.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(seconds=360 + LOST_CALL_MARGIN_S + 1)
    )
    running = in_flight_row()
    LLMCall.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(seconds=360))

    assert llm_mark_lost_calls() == 1

    stale.refresh_from_db()
    running.refresh_from_db()
    assert (stale.outcome, stale.cost_usd, stale.prompt_tokens) == (Outcome.LOST, Decimal("0.000450"), 1000)
    assert running.outcome == Outcome.IN_FLIGHT


@pytest.mark.django_db
def test_usage_counts_lost_calls_cost_and_leaves_them_out_of_latency(staff_client):
    LLMCall.objects.create(
        purpose="tests.classify",
        model="gpt-4o-mini",
        outcome=Outcome.OK,
        request_hash="0" * 64,
        prompt_tokens=100,
        completion_tokens=20,
        cost_usd=Decimal("0.000100"),
        latency_ms=200.0,
    )
    in_flight_row(outcome=Outcome.LOST)

    body = staff_client.get("/api/llm/usage/").json()

    totals = body["totals"]
    assert Decimal(totals["cost_usd"]) == Decimal("0.000550")
    assert (totals["calls"], totals["errors"]) == (2, 1)
    assert (totals["latency_p50_ms"], totals["latency_p95_ms"]) == (200.0, 200.0)
