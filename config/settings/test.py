"""Test settings: PostgreSQL and Redis are required (tests/conftest.py checks they answer)."""

import os
from urllib.parse import urlparse

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/triage_desk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
# Under pytest-xdist each worker process has Redis databases of its own (a broker and, next to
# it, a cache): gw0 the given one, gw1 two further, ... Processes a test starts inherit the
# assigned REDIS_URL and keep it.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and not os.environ.get("TEST_REDIS_DB_ASSIGNED"):
    _given = urlparse(os.environ["REDIS_URL"])
    _db = int(_given.path.lstrip("/") or 0) + 2 * int(_xdist_worker[2:])
    os.environ["REDIS_URL"] = _given._replace(path=f"/{_db}").geturl()
    os.environ["TEST_REDIS_DB_ASSIGNED"] = "1"
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Retries of transient failures a second apart (doubling), not 15 s: tests wait for them.
os.environ.setdefault("TASK_RETRY_BACKOFF_S", "1")
# Jobs published by the thread that committed them, so a test sees the message at once after
# the commit; the background publisher has tests of its own (tests/config/test_dispatch.py).
os.environ.setdefault("JOB_PUBLISH_IN_BACKGROUND", "false")

from .base import *  # noqa: E402,F403
from .base import CACHES, DATABASES, INSTALLED_APPS, REDIS_URL, REST_FRAMEWORK  # noqa: E402

# The tests' `flush` (after every transactional test): DELETE, not TRUNCATE (tests/dbflush).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.dbflush"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "anon": "10000/min",
    "user": "100000/min",
}
# Celery closes a connection after each task only when it is not persistent; the test
# database can then be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# The cache gets the next Redis database after the broker's, so tests can empty it between
# tests without touching the broker's queues and bindings.
_redis = urlparse(REDIS_URL)
_broker_db = int(_redis.path.lstrip("/") or 0)
CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{_broker_db + 1}").geturl()
# The LLM rate limiter keeps its windows in the cache's database, so every test starts empty.
LLM_RATELIMIT_STORAGE_URL = os.environ.get("LLM_RATELIMIT_STORAGE_URL") or CACHES["default"]["LOCATION"]
GITHUB_RATELIMIT_STORAGE_URL = CACHES["default"]["LOCATION"]
# Commits in tests do not wait for the WAL to reach the disk: a crash loses nothing a test needs,
# and every transactional test's TRUNCATE of all tables is one commit less to wait for.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
