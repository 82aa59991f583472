"""GitHub's content-creation limit (80 writes a minute), counted for all workers together.

A moving window in the shared Redis (the `limits` library, GITHUB_RATELIMIT_STORAGE_URL);
embedded mode without Redis counts in a locked file, like the LLM rate limit.
"""

import time

from django.conf import settings
from limits import RateLimitItemPerMinute

from config.jobs.errors import CapacityWait
from config.ops.metrics import record_github_rate_limit_wait
from config.ratelimit.storage import moving_window

WRITE_KEY = "github-writes"


def acquire_write_slot() -> None:
    """Count one write, or raise CapacityWait(retry_after=when a slot frees up)."""
    item = RateLimitItemPerMinute(settings.GITHUB_WRITES_PER_MINUTE)
    limiter = moving_window(settings.GITHUB_RATELIMIT_STORAGE_URL)
    if limiter.hit(item, WRITE_KEY):
        return
    reset_at = limiter.get_window_stats(item, WRITE_KEY).reset_time
    record_github_rate_limit_wait("local")
    raise CapacityWait(
        "GitHub content-creation limit reached; waiting for a free slot",
        retry_after=max(1.0, reset_at - time.time()),
    )
