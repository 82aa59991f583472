"""A `limits` storage in a locked JSON file: the global rate limiter of embedded mode.

Embedded mode has no Redis, but web, worker and beat are separate processes on one machine;
a file guarded by `fcntl.flock` is shared by all of them. Registered for `file:///path` URLs.
"""

import fcntl
import json
import os
import time
from contextlib import contextmanager
from math import floor
from pathlib import Path

from limits.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow


class FileStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    STORAGE_SCHEME = ["file"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.removeprefix("file://"))
        self.path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def base_exceptions(self):
        return (OSError, ValueError)

    @contextmanager
    def _state(self):
        """The whole store, read and written back under an exclusive lock."""
        with open(self.path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                text = handle.read()
                state = json.loads(text) if text else {}
                counters = state.setdefault("counters", {})
                events = state.setdefault("events", {})
                now = time.time()
                for key in [key for key, (_, expires) in counters.items() if expires <= now]:
                    del counters[key]
                yield state, now
                for key in [key for key, stamps in events.items() if not stamps]:
                    del events[key]
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(state))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # Counters (fixed and sliding windows)
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._state() as (state, now):
            value, expires = state["counters"].get(key, (0, now + expiry))
            state["counters"][key] = (value + amount, expires)
            return value + amount

    def get(self, key: str) -> int:
        with self._state() as (state, _):
            return state["counters"].get(key, (0, 0))[0]

    def get_expiry(self, key: str) -> float:
        with self._state() as (state, now):
            return state["counters"].get(key, (0, now))[1]

    def check(self) -> bool:
        with self._state():
            return True

    def reset(self) -> int | None:
        with self._state() as (state, _):
            count = len(state["counters"]) + len(state["events"])
            state["counters"].clear()
            state["events"].clear()
            return count

    def clear(self, key: str) -> None:
        with self._state() as (state, _):
            state["counters"].pop(key, None)
            state["events"].pop(key, None)

    # Moving window: newest timestamp first, at most `limit` kept
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._state() as (state, now):
            stamps = [stamp for stamp in state["events"].get(key, []) if stamp > now - expiry]
            if len(stamps) + amount > limit:
                state["events"][key] = stamps
                return False
            state["events"][key] = ([now] * amount + stamps)[:limit]
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        with self._state() as (state, now):
            stamps = [stamp for stamp in state["events"].get(key, []) if stamp > now - expiry]
            state["events"][key] = stamps
            return (stamps[-1], len(stamps)) if stamps else (now, 0)

    # Sliding window counter
    def _window(self, state: dict, key: str, expiry: int, now: float) -> tuple[int, float, int, float]:
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous_count = state["counters"].get(previous_key, (0, 0))[0]
        current_count = state["counters"].get(current_key, (0, 0))[0]
        previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry if previous_count else 0.0
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous_count, previous_ttl, current_count, current_ttl

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._state() as (state, now):
            previous_count, previous_ttl, current_count, _ = self._window(state, key, expiry, now)
            if floor(previous_count * previous_ttl / expiry + current_count) + amount > limit:
                return False
            _, current_key = self.sliding_window_keys(key, expiry, now)
            value, expires = state["counters"].get(current_key, (0, now + 2 * expiry))
            state["counters"][current_key] = (value + amount, expires)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        with self._state() as (state, now):
            return self._window(state, key, expiry, now)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        with self._state() as (state, now):
            for window_key in self.sliding_window_keys(key, expiry, now):
                state["counters"].pop(window_key, None)
