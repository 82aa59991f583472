"""Writes to the ledger (LLMCall): one row per provider attempt and per cache hit.

A provider attempt's row is inserted before the call (`in_flight`, with estimates) and
finished after it, so a call in flight on a worker that dies is still accounted."""

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


def _cost(*, model: str, outcome: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int):
    if outcome == Outcome.CACHE_HIT:
        return 0
    if prompt_tokens or completion_tokens or outcome == Outcome.OK:
        return call_cost(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, cached_tokens=cached_tokens
        )
    return None


def _subject_fields(subject) -> dict:
    if subject is None:
        return {"subject_type": None, "subject_id": ""}
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": str(subject.pk)}


def llm_call_start(
    *,
    purpose: str,
    model: str,
    request_hash: str,
    messages: list[dict],
    prompt_tokens: int,
    completion_tokens: int,
    subject=None,
    attempt: int = 1,
) -> LLMCall:
    """The row of a provider attempt, written before the call: outcome `in_flight`, with the
    estimated tokens (prompt tokens; completion tokens only in its cost) and the estimated
    cost. `llm_call_finish` fills in the real figures; a row never finished (its worker died
    during the call) is marked `lost` by `llm_mark_lost_calls` and keeps its estimate."""
    row = LLMCall(
        purpose=purpose[:100],
        model=model[:100],
        outcome=Outcome.IN_FLIGHT,
        attempt=attempt,
        **_subject_fields(subject),
        request_hash=request_hash,
        prompt_tokens=prompt_tokens,
        cost_usd=call_cost(model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
        prompt=trim_messages(messages),
    )
    row.save(force_insert=True)
    return row


FINISHED_FIELDS = [
    "outcome",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cost_usd",
    "latency_ms",
    "status_code",
    "error_type",
    "error_message",
    "provider_request_id",
    "prompt",
    "reply",
]


def llm_call_finish(
    call: LLMCall,
    *,
    outcome: str,
    messages: list[dict] | None = None,
    reply: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cached_tokens: int = 0,
    latency_ms: float = 0.0,
    status_code: int | None = None,
    error_type: str = "",
    error_message: str = "",
    provider_request_id: str = "",
) -> LLMCall:
    """Finish an attempt's row with what the provider answered (or how the call failed)."""
    call.outcome = outcome
    call.prompt_tokens = prompt_tokens
    call.completion_tokens = completion_tokens
    call.cached_tokens = cached_tokens
    call.cost_usd = _cost(
        model=call.model,
        outcome=outcome,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_tokens=cached_tokens,
    )
    call.latency_ms = round(latency_ms, 3)
    call.status_code = status_code
    call.error_type = error_type[:50]
    call.error_message = error_message[:2000]
    call.provider_request_id = provider_request_id[:100]
    if messages is not None:
        call.prompt = trim_messages(messages)
    call.reply = _trim(reply or "", settings.LLM_LEDGER_PAYLOAD_MAX_CHARS)
    call.save(update_fields=FINISHED_FIELDS)
    return call


def llm_call_interrupted(call: LLMCall, *, error: BaseException) -> None:
    """The call was cut off on our side (a time limit, a shutdown): the provider may have
    answered and billed it, so the row becomes `lost` at once and keeps its estimated cost."""
    LLMCall.objects.filter(pk=call.pk, outcome=Outcome.IN_FLIGHT).update(
        outcome=Outcome.LOST, error_type="interrupted", error_message=f"{type(error).__name__}: {error}"[:2000]
    )


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
    """One finished row in one insert: a cache hit (provider attempts use `llm_call_start`
    and `llm_call_finish`)."""
    row = LLMCall(
        purpose=purpose[:100],
        model=model[:100],
        outcome=outcome,
        attempt=attempt,
        **_subject_fields(subject),
        request_hash=request_hash,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_tokens=cached_tokens,
        cost_usd=_cost(
            model=model,
            outcome=outcome,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=cached_tokens,
        ),
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
