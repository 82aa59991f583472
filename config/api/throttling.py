"""DRF's throttles with their history in Redis, one round trip a request.

DRF's SimpleRateThrottle reads a request's whole history (a pickled list of up to `rate`
timestamps) from the cache and writes it back: two round trips on every API request. With the
cache on Redis, these keep the same moving window through the `limits` library in one Lua call.
Without Redis (embedded mode) they are DRF's own.
"""

import time

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter
from rest_framework import throttling

from config.ratelimit import storage

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def moving_window() -> MovingWindowRateLimiter | None:
    cache = settings.CACHES["default"]
    return storage.moving_window(cache["LOCATION"]) if cache["BACKEND"] == REDIS_CACHE else None


class MovingWindowMixin:
    def allow_request(self, request, view):
        limiter = moving_window()
        if limiter is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.item = RateLimitItemPerSecond(self.num_requests, self.duration)
        return limiter.hit(self.item, self.key)

    def wait(self):
        limiter = moving_window()
        if limiter is None:
            return super().wait()
        # When the oldest request in the window leaves it (DRF's answer for a full window).
        reset_at = limiter.get_window_stats(self.item, self.key).reset_time
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
