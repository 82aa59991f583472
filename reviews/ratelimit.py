"""GitHub's content-creation limit (80 writes a minute), counted for all workers together.

A moving window in the shared Redis (the `limits` library); embedded mode without Redis
counts in memory, which is exact there because a single worker does the writing.
"""

import time
from functools import lru_cache

from django.conf import settings
from limits import RateLimitItemPerMinute, storage, strategies

from config.errors import TransientError

WRITE_KEY = "github-writes"


def _storage_url() -> str:
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        return cache["LOCATION"]
    return "memory://"


@lru_cache(maxsize=4)
def _limiter(url: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(url))


def acquire_write_slot() -> None:
    """Count one write, or raise TransientError(retry_after=when a slot frees up)."""
    item = RateLimitItemPerMinute(settings.GITHUB_WRITES_PER_MINUTE)
    limiter = _limiter(_storage_url())
    if limiter.hit(item, WRITE_KEY):
        return
    reset_at = limiter.get_window_stats(item, WRITE_KEY).reset_time
    raise TransientError(
        "GitHub content-creation limit reached; waiting for a free slot",
        retry_after=max(1.0, reset_at - time.time()),
    )
