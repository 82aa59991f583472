"""The one factory of `limits` storage, used by the API throttles (config/api/throttling.py), the
LLM limiter (llm/ratelimit.py) and the GitHub write limiter (reviews/ratelimit.py).

A limit kept for all workers together needs a store they share: Redis (`redis://` URLs), or in
embedded mode a file guarded by a lock (`file://` URLs, config/ratelimit/filestorage.py).
"""

import functools

from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

import config.ratelimit.filestorage  # noqa: F401  (registers the file:// scheme)


@functools.lru_cache(maxsize=8)
def limits_storage(url: str, **options) -> Storage:
    """The storage at `url`, one per process, URL and options (so one connection pool).
    `options` go to the storage (for Redis e.g. `socket_timeout`). A store that cannot be
    reached raises `limits.errors.StorageError`."""
    return storage_from_string(url, wrap_exceptions=True, **options)


def moving_window(url: str, **options) -> MovingWindowRateLimiter:
    """A moving-window limiter (an exact log of the window's hits) on the storage at `url`."""
    return MovingWindowRateLimiter(limits_storage(url, **options))
