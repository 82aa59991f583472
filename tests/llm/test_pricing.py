from decimal import Decimal

from llm.pricing import call_cost


def test_cost_counts_cached_prompt_tokens_at_their_price(settings):
    settings.LLM_PRICES = {"m": {"input": 1.0, "cached_input": 0.5, "output": 2.0}}

    cost = call_cost(model="m", prompt_tokens=1_000_000, completion_tokens=500_000, cached_tokens=200_000)

    assert cost == Decimal("1.900000")


def test_dated_snapshot_is_priced_like_its_family(settings):
    settings.LLM_PRICES = {"gpt-4o-mini": {"input": 0.15, "output": 0.6}, "gpt-4o": {"input": 2.5, "output": 10}}

    assert call_cost(model="gpt-4o-mini-2024-07-18", prompt_tokens=1_000_000, completion_tokens=0) == Decimal("0.15")


def test_unknown_model_has_no_cost(settings):
    settings.LLM_PRICES = {}

    assert call_cost(model="local-llama", prompt_tokens=10, completion_tokens=10) is None
