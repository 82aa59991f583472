"""DRF's throttles with their history in Redis, one round trip a request.

DRF's SimpleRateThrottle reads a request's whole history (a pickled list of up to `rate`
timestamps) from the cache and writes it back: two round trips on every API request. With the
cache on Redis, these keep the same moving window through the `limits` library in one Lua call.
Without Redis (embedded mode) they are DRF's own.

Throttling fails open: while the store does not answer, requests pass unthrottled (a warning
is logged) rather than failing; the store is tried again after STORE_RETRY_AFTER_S.
"""

import logging
import threading
import time

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter
from rest_framework import throttling

from config.ratelimit import storage

logger = logging.getLogger(__name__)

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
# A store that does not answer costs a request at most this long (connect, then each command).
STORE_CONNECT_TIMEOUT_S = 0.5
STORE_TIMEOUT_S = 1.0
# After a store error, requests skip throttling this long before the store is tried again.
STORE_RETRY_AFTER_S = 10.0


def moving_window() -> MovingWindowRateLimiter | None:
    cache = settings.CACHES["default"]
    if cache["BACKEND"] != REDIS_CACHE:
        return None
    return storage.moving_window(
        cache["LOCATION"], socket_connect_timeout=STORE_CONNECT_TIMEOUT_S, socket_timeout=STORE_TIMEOUT_S
    )


class _StoreOutage:
    """When the throttle store last failed in this process; throttles pass while it is recent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self._until

    def record(self, exc: Exception) -> None:
        with self._lock:
            if self.active():
                return
            self._until = time.monotonic() + STORE_RETRY_AFTER_S
        logger.warning(
            "throttle store unavailable, requests pass unthrottled for %.0f s: %s",
            STORE_RETRY_AFTER_S,
            exc,
            extra={"error": f"{type(exc).__name__}: {exc}"},
        )

    def clear(self) -> None:
        self._until = 0.0


store_outage = _StoreOutage()


class MovingWindowMixin:
    def allow_request(self, request, view):
        limiter = moving_window()
        if limiter is None or self.rate is None:
            return super().allow_request(request, view)
        if store_outage.active():
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.item = RateLimitItemPerSecond(self.num_requests, self.duration)
        try:
            return limiter.hit(self.item, self.key)
        except StorageError as exc:
            store_outage.record(exc.storage_error)
            return True

    def wait(self):
        limiter = moving_window()
        if limiter is None:
            return super().wait()
        # When the oldest request in the window leaves it (DRF's answer for a full window).
        try:
            reset_at = limiter.get_window_stats(self.item, self.key).reset_time
        except StorageError as exc:
            store_outage.record(exc.storage_error)
            return float(self.duration)
        return max(reset_at - time.time(), 1.0)


class AnonRateThrottle(MovingWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(MovingWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(MovingWindowMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # As DRF's: the rate is the view's scope's, read on each request.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
