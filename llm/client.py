"""The provider client: the only module that imports `openai`.

`chat_completion()` sends one Chat Completions request and returns a `ProviderReply`, or
raises a classified error (`ProviderError` with `transient`, `status_code`, `retry_after`).
"""

import functools
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import openai
from django.conf import settings


@dataclass
class ProviderReply:
    content: str | None
    refusal: str | None
    finish_reason: str | None
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    request_id: str
    latency_ms: float


class ProviderError(Exception):
    def __init__(
        self,
        message: str,
        *,
        error_type: str,
        transient: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
        request_id: str = "",
        latency_ms: float = 0.0,
    ):
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.transient = transient
        self.status_code = status_code
        self.retry_after = retry_after
        self.request_id = request_id
        self.latency_ms = latency_ms


@functools.lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout: float) -> openai.OpenAI:
    # max_retries=0: Celery owns retries (JobTask autoretry with backoff, jitter and the
    # provider's Retry-After). SDK retries inside a task would multiply with Celery's, hold a
    # worker slot while sleeping, and bypass the global rate limiter.
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


def get_client() -> openai.OpenAI:
    return _client(settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL, settings.LLM_TIMEOUT_S)


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str) -> float | None:
    """'6m0s' → 360.0, '1s' → 1.0, '12ms' → 0.012, '2' → 2.0; None when unreadable."""
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(number + unit for number, unit in parts) != value:
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def retry_after_from_headers(headers) -> float | None:
    """Seconds to wait according to the provider: retry-after-ms, retry-after (seconds or an
    HTTP date), else the reset time of whichever x-ratelimit budget is exhausted."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(float(value) / 1000, 0.0)
        except ValueError:
            pass
    if value := headers.get("retry-after"):
        seconds = parse_duration(value)
        if seconds is None:
            try:
                seconds = max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            return seconds
    waits = []
    for budget in ("requests", "tokens"):
        remaining = headers.get(f"x-ratelimit-remaining-{budget}")
        reset = headers.get(f"x-ratelimit-reset-{budget}")
        if reset and remaining is not None and remaining.strip() == "0":
            seconds = parse_duration(reset)
            if seconds is not None:
                waits.append(seconds)
    return max(waits) if waits else None


def _status_error(exc: openai.APIStatusError, latency_ms: float) -> ProviderError:
    status = exc.status_code
    transient = status in (408, 409, 429) or status >= 500
    error_type = "rate_limited" if status == 429 else f"http_{status}"
    return ProviderError(
        f"provider answered {status}: {exc.message}",
        error_type=error_type,
        transient=transient,
        status_code=status,
        retry_after=retry_after_from_headers(exc.response.headers) if transient else None,
        request_id=exc.request_id or "",
        latency_ms=latency_ms,
    )


def chat_completion(*, model: str, messages: list[dict], response_format: dict, **params) -> ProviderReply:
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        completion = get_client().chat.completions.create(
            model=model, messages=messages, response_format=response_format, **params
        )
    except openai.APITimeoutError as exc:
        raise ProviderError(f"provider timed out: {exc}", error_type="timeout", transient=True, latency_ms=elapsed())
    except openai.APIConnectionError as exc:
        raise ProviderError(
            f"provider unreachable: {exc}", error_type="connection_error", transient=True, latency_ms=elapsed()
        )
    except openai.APIStatusError as exc:
        raise _status_error(exc, elapsed())
    except openai.APIResponseValidationError as exc:
        raise ProviderError(
            f"provider reply is not a chat completion: {exc}", error_type="bad_response", transient=True
        )
    latency_ms = elapsed()
    if not completion.choices:
        raise ProviderError("provider reply has no choices", error_type="bad_response", transient=True)
    choice = completion.choices[0]
    usage = completion.usage
    details = getattr(usage, "prompt_tokens_details", None) if usage else None
    return ProviderReply(
        content=choice.message.content,
        refusal=getattr(choice.message, "refusal", None),
        finish_reason=choice.finish_reason,
        model=completion.model or model,
        prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
        completion_tokens=(usage.completion_tokens or 0) if usage else 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
        request_id=getattr(completion, "_request_id", None) or "",
        latency_ms=latency_ms,
    )
