"""Event counters shared by every process, kept in the cache (Redis, or the file cache when
embedded): for events that leave no row in the database, e.g. a GitHub rate-limit wait.
`/metrics` reads them at scrape time (config/ops/metrics.py). A cache flush resets them,
which Prometheus reads as a counter reset."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

PREFIX = "counter:"


def _key(name: str, label: str) -> str:
    return f"{PREFIX}{name}:{label}"


def increment(name: str, label: str) -> None:
    """Add one to counter `name` for `label`; a cache that does not answer loses the count."""
    key = _key(name, label)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception as exc:  # counting must never fail the work it counts
        logger.warning("counter %s not incremented: %s", key, exc)


def read(name: str, labels: tuple[str, ...]) -> dict[str, int]:
    values = cache.get_many([_key(name, label) for label in labels])
    return {label: int(values.get(_key(name, label)) or 0) for label in labels}
