"""Cost of a call in USD from the per-model price table (settings.LLM_PRICES, USD per 1M tokens)."""

from decimal import Decimal

from django.conf import settings

PER_TOKENS = Decimal(1_000_000)


def price_for(model: str) -> dict | None:
    prices = settings.LLM_PRICES
    if model in prices:
        return prices[model]
    # Dated snapshots ("gpt-4o-mini-2024-07-18") are billed like their family.
    family = max((name for name in prices if model.startswith(f"{name}-")), key=len, default=None)
    return prices[family] if family else None


def call_cost(*, model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> Decimal | None:
    price = price_for(model)
    if price is None:
        return None
    input_price = Decimal(str(price["input"]))
    cached_price = Decimal(str(price.get("cached_input", price["input"])))
    output_price = Decimal(str(price["output"]))
    uncached = max(prompt_tokens - cached_tokens, 0)
    cost = (uncached * input_price + cached_tokens * cached_price + completion_tokens * output_price) / PER_TOKENS
    return cost.quantize(Decimal("0.000001"))
