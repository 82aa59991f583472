"""Writes to the ledger (LLMCall): one row per provider attempt and per cache hit."""

import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from llm.choices import Outcome
from llm.models import LLMCall
from llm.pricing import call_cost

TRIMMED = " …[trimmed]"


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - len(TRIMMED), 0)] + TRIMMED


def trim_messages(messages: list[dict]) -> list[dict]:
    """The prompt as kept on the ledger: each message's content cut so the whole fits the cap."""
    limit = settings.LLM_LEDGER_PAYLOAD_MAX_CHARS
    if len(json.dumps(messages)) <= limit:
        return messages
    share = max(limit // max(len(messages), 1) - 40, 0)
    return [{**message, "content": _trim(str(message.get("content") or ""), share)} for message in messages]


def llm_call_record(
    *,
    purpose: str,
    model: str,
    outcome: str,
    request_hash: str,
    messages: list[dict],
    subject=None,
    attempt: int = 1,
    reply: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cached_tokens: int = 0,
    latency_ms: float = 0.0,
    status_code: int | None = None,
    error_type: str = "",
    error_message: str = "",
    provider_request_id: str = "",
    cache_source_id: int | None = None,
) -> LLMCall:
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    cost = None
    if outcome == Outcome.CACHE_HIT:
        cost = 0
    elif prompt_tokens or completion_tokens or outcome == Outcome.OK:
        cost = call_cost(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, cached_tokens=cached_tokens
        )
    row = LLMCall(
        purpose=purpose[:100],
        model=model[:100],
        outcome=outcome,
        attempt=attempt,
        subject_type=subject_type,
        subject_id=str(subject.pk) if subject is not None else "",
        request_hash=request_hash,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_tokens=cached_tokens,
        cost_usd=cost,
        latency_ms=round(latency_ms, 3),
        status_code=status_code,
        error_type=error_type[:50],
        error_message=error_message[:2000],
        provider_request_id=provider_request_id[:100],
        cache_source_id=cache_source_id,
        prompt=trim_messages(messages),
        reply=_trim(reply or "", settings.LLM_LEDGER_PAYLOAD_MAX_CHARS),
    )
    if outcome == Outcome.CACHE_HIT and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A cache hit must stay cheap (a few ms); waiting for the WAL flush would be most of it.
        # Without it a crash may lose the last fraction of a second of hit rows, never money:
        # hits cost nothing, and the database stays consistent.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            row.save(force_insert=True)
        return row
    row.save(force_insert=True)
    return row
