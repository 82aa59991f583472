"""The global rate limiter: LLM_RPM requests and LLM_TPM tokens per minute for ALL workers.

Celery's `rate_limit` is per worker; this limit lives in a store every worker shares: Redis
through the `limits` library (or, in embedded mode, a locked file), from config/ratelimit/storage.py.

- Requests: a moving window (an exact log of the last minute's requests), so no 60-second
  span ever holds more than LLM_RPM requests. The window is LLM_RATELIMIT_MARGIN_S longer
  than the minute (LLM_RATELIMIT_WINDOW_S), so requests that reach the provider a little late still fit its window.
- Tokens: a sliding-window counter (two counters, weighted), since a token budget counted one
  entry per token would be too large a log; prompt tokens are estimated (llm/tokens.py).

Over the limit, `acquire` raises LLMRateLimited with the seconds until capacity returns; the
calling task is rescheduled for then (it never sleeps in the worker).
"""

import random
import time

from django.conf import settings
from django.core.cache import cache
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from config.ratelimit.storage import limits_storage
from llm.errors import LLMRateLimited, LLMTransientError

NAMESPACE = "llm"
# A provider 429 pauses every worker, not only the one that received it.
PROVIDER_PAUSE_KEY = "llm:provider-paused-until"
# Waiters woken at the same instant would all race for one freed slot: spread them a little.
JITTER_S = 0.25
# With the limiter's store unreachable no call may go out (the limit could not be kept).
STORE_DOWN_RETRY_S = 5.0


def _limits() -> tuple[RateLimitItemPerSecond, RateLimitItemPerSecond]:
    window = settings.LLM_RATELIMIT_WINDOW_S + settings.LLM_RATELIMIT_MARGIN_S
    return (
        RateLimitItemPerSecond(settings.LLM_RPM, window, namespace=NAMESPACE),
        RateLimitItemPerSecond(settings.LLM_TPM, window, namespace=NAMESPACE),
    )


def _strategies():
    storage = limits_storage(settings.LLM_RATELIMIT_STORAGE_URL)
    return MovingWindowRateLimiter(storage), SlidingWindowCounterRateLimiter(storage)


def _wait(reset_at: float) -> float:
    return max(reset_at - time.time(), 0.05) + random.uniform(0, JITTER_S)


def acquire(*, tokens: int) -> None:
    """Take one request and `tokens` tokens from the global budget, or raise LLMRateLimited."""
    if not settings.LLM_RATELIMIT_ENABLED:
        return
    try:
        _acquire(tokens)
    except StorageError as exc:
        raise LLMTransientError(f"LLM rate limit store unreachable: {exc}", retry_after=STORE_DOWN_RETRY_S)


def _acquire(tokens: int) -> None:
    paused_until = cache.get(PROVIDER_PAUSE_KEY)
    if paused_until and paused_until > time.time():
        raise LLMRateLimited("LLM provider asked to wait", retry_after=_wait(paused_until))
    rpm, tpm = _limits()
    requests, token_budget = _strategies()
    tokens = max(1, min(tokens, settings.LLM_TPM))
    if not token_budget.test(tpm, "tokens", cost=tokens):
        reset_at = token_budget.get_window_stats(tpm, "tokens").reset_time
        raise LLMRateLimited(f"LLM_TPM={settings.LLM_TPM} reached", retry_after=_wait(reset_at))
    if not requests.hit(rpm, "requests"):
        reset_at = requests.get_window_stats(rpm, "requests").reset_time
        raise LLMRateLimited(f"LLM_RPM={settings.LLM_RPM} reached", retry_after=_wait(reset_at))
    if not token_budget.hit(tpm, "tokens", cost=tokens):
        # Another worker took the tokens since the test above. The request slot stays used:
        # counting a request that was not sent errs on the safe side.
        reset_at = token_budget.get_window_stats(tpm, "tokens").reset_time
        raise LLMRateLimited(f"LLM_TPM={settings.LLM_TPM} reached", retry_after=_wait(reset_at))


def add_tokens(extra: int) -> None:
    """Charge tokens used beyond the estimate (the reply was longer than assumed)."""
    if not settings.LLM_RATELIMIT_ENABLED or extra <= 0:
        return
    _, tpm = _limits()
    _, token_budget = _strategies()
    try:
        token_budget.hit(tpm, "tokens", cost=min(extra, settings.LLM_TPM))
    except StorageError:
        pass  # the call is made; a missed correction only makes the estimate less exact


def pause(seconds: float) -> None:
    """The provider answered 429: hold every worker's calls for `seconds`."""
    if seconds <= 0:
        return
    until = time.time() + seconds
    current = cache.get(PROVIDER_PAUSE_KEY) or 0
    if until > current:
        cache.set(PROVIDER_PAUSE_KEY, until, timeout=int(seconds) + 1)


def reset() -> None:
    """Forget every window (tests, benchmarks)."""
    rpm, tpm = _limits()
    requests, token_budget = _strategies()
    requests.clear(rpm, "requests")
    token_budget.clear(tpm, "tokens")
    cache.delete(PROVIDER_PAUSE_KEY)
