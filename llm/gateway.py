"""`complete()`: one structured LLM call through the cache, the global rate limit and the ledger."""

import time
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from pydantic import BaseModel, ValidationError

from config.ops.dbpool import release_connection
from llm import ratelimit
from llm.cache import cache_get, cache_put, request_hash
from llm.choices import Outcome
from llm.client import ProviderError, chat_completion, get_client
from llm.errors import LLMNotConfigured, LLMPermanentError, LLMTransientError
from llm.ledger import llm_call_finish, llm_call_interrupted, llm_call_record, llm_call_start
from llm.schema import schema_name, strict_schema
from llm.tokens import estimate_prompt_tokens

ROLES = {"system", "developer", "user", "assistant"}
# One retry with the validation error fed back; a second invalid reply is permanent.
OUTPUT_ATTEMPTS = 2


@dataclass(frozen=True)
class CompletionResult:
    data: BaseModel
    call_id: int
    cached: bool


def _checked_messages(messages) -> list[dict]:
    checked = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ROLES or "content" not in message:
            raise TypeError(f"each message needs a role in {sorted(ROLES)} and a content: {message!r}")
        checked.append({"role": message["role"], "content": message["content"]})
    if not checked:
        raise TypeError("messages must not be empty")
    return checked


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "; ".join(parts)


def _feedback(reply: str, error: str) -> list[dict]:
    return [
        {"role": "assistant", "content": reply},
        {
            "role": "user",
            "content": (
                f"Your reply did not match the required JSON schema: {error}\n"
                "Answer again with only a JSON object that matches the schema exactly."
            ),
        },
    ]


def complete(
    *,
    purpose: str,
    messages: list[dict],
    output: type[BaseModel],
    subject=None,
    use_cache: bool = True,
    temperature: float | None = None,
    model: str | None = None,
) -> CompletionResult:
    if not settings.OPENAI_API_KEY:
        raise LLMNotConfigured()
    messages = _checked_messages(messages)
    schema = strict_schema(output)
    model = model or settings.LLM_MODEL
    params = {} if temperature is None else {"temperature": temperature}
    key = request_hash(model=model, messages=messages, schema=schema, params=params)
    record = {"purpose": purpose, "model": model, "request_hash": key, "subject": subject}

    if use_cache:
        started = time.perf_counter()
        entry = cache_get(key)
        if entry is not None:
            try:
                data = output.model_validate_json(entry.content)
            except ValidationError:
                entry = None  # the output model changed in a way the schema does not show
        if entry is not None:
            call = llm_call_record(
                **record,
                messages=messages,
                outcome=Outcome.CACHE_HIT,
                reply=entry.content,
                latency_ms=(time.perf_counter() - started) * 1000,
                cache_source_id=entry.source_call_id,
            )
            return CompletionResult(data=data, call_id=call.pk, cached=True)

    response_format = {
        "type": "json_schema",
        "json_schema": {"name": schema_name(output), "schema": schema, "strict": True},
    }
    conversation = messages
    # Build the client before taking a slot: the first construction in a process takes long
    # enough that the request could reach the provider after the window it was counted in.
    get_client()
    for attempt in range(1, OUTPUT_ATTEMPTS + 1):
        prompt_estimate = estimate_prompt_tokens(conversation, schema)
        estimate = prompt_estimate + settings.LLM_COMPLETION_TOKENS_ESTIMATE
        ratelimit.acquire(tokens=estimate)
        call = llm_call_start(
            **record,
            messages=conversation,
            attempt=attempt,
            prompt_tokens=prompt_estimate,
            completion_tokens=settings.LLM_COMPLETION_TOKENS_ESTIMATE,
        )
        # No database connection is held while the provider answers (seconds, in many threads).
        release_connection()
        try:
            reply = chat_completion(model=model, messages=conversation, response_format=response_format, **params)
        except ProviderError as exc:
            raise _provider_failure(exc, call=call) from exc
        except BaseException as exc:
            with suppress(DatabaseError):
                llm_call_interrupted(call, error=exc)
            raise
        ratelimit.add_tokens(reply.prompt_tokens + reply.completion_tokens - estimate)
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "cached_tokens": reply.cached_tokens,
            "latency_ms": reply.latency_ms,
            "provider_request_id": reply.request_id,
            "status_code": 200,
        }
        if reply.refusal or reply.finish_reason == "content_filter":
            error_type = "refusal" if reply.refusal else "content_filter"
            message = (
                f"LLM refused: {reply.refusal}" if reply.refusal else "LLM reply was blocked by the content filter"
            )
            llm_call_finish(
                call,
                **usage,
                outcome=Outcome.PERMANENT_ERROR,
                reply=reply.refusal or reply.content or "",
                error_type=error_type,
                error_message=message,
            )
            raise LLMPermanentError(message, type=error_type)
        content = reply.content or ""
        try:
            data = output.model_validate_json(content)
        except ValidationError as exc:
            error = describe_validation_error(exc)
            if reply.finish_reason == "length":
                error = f"reply cut off at the token limit; {error}"
            llm_call_finish(
                call,
                **usage,
                outcome=Outcome.INVALID_OUTPUT,
                reply=content,
                error_type="invalid_output",
                error_message=error,
            )
            if attempt == OUTPUT_ATTEMPTS:
                raise LLMPermanentError(f"invalid LLM output after {attempt} attempts: {error}", type="invalid_output")
            conversation = messages + _feedback(content, error)
            continue
        llm_call_finish(call, **usage, outcome=Outcome.OK, reply=content)
        if use_cache:
            cache_put(key=key, model=model, content=content, source_call_id=call.pk)
        return CompletionResult(data=data, call_id=call.pk, cached=False)
    raise AssertionError("unreachable")


def _provider_failure(exc: ProviderError, *, call) -> Exception:
    """Finish the failed attempt's row; return the error the caller's task sees."""
    if exc.status_code == 429:
        outcome = Outcome.RATE_LIMITED
    else:
        outcome = Outcome.TRANSIENT_ERROR if exc.transient else Outcome.PERMANENT_ERROR
    llm_call_finish(
        call,
        outcome=outcome,
        latency_ms=exc.latency_ms,
        status_code=exc.status_code,
        error_type=exc.error_type,
        error_message=exc.message,
        provider_request_id=exc.request_id,
    )
    if exc.status_code == 429 and exc.retry_after:
        ratelimit.pause(exc.retry_after)
    if exc.transient:
        return LLMTransientError(exc.message, retry_after=exc.retry_after)
    return LLMPermanentError(exc.message, type=exc.error_type)
