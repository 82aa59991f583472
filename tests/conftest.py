from urllib.parse import urlparse

import psycopg
import pytest
import redis
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.fakes.openai_server import FakeOpenAI
from tests.worker import _worker_idle_unless_requested, celery_worker, celery_worker_session  # noqa: F401  (fixtures)


def _database_error() -> str | None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return f"tests need PostgreSQL, DATABASE_URL points at {db['ENGINE']}"
    try:
        psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {db['HOST']}:{db['PORT']} is unreachable: {exc}"
    return None


def _redis_error() -> str | None:
    if not settings.REDIS_URL:
        return "tests need Redis: REDIS_URL is unset"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        location = urlparse(settings.REDIS_URL).netloc
        return f"Redis at {location} is unreachable: {exc}"
    return None


def pytest_sessionstart(session):
    problems = [problem for problem in (_database_error(), _redis_error()) if problem]
    if problems:
        pytest.exit(
            "make test needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; default the local servers):\n  "
            + "\n  ".join(problems),
            returncode=2,
        )


@pytest.fixture(autouse=True)
def _clean_cache():
    """The cache (its own Redis database in tests) outlives a test: start each one empty."""
    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).flushdb()
    yield


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def staff_client(staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff_user).key}")
    return client


@pytest.fixture
def fake_openai(settings):
    """A fake OpenAI server on a free local port; the LLM gateway is pointed at it."""
    with FakeOpenAI() as server:
        settings.OPENAI_BASE_URL = server.url
        settings.OPENAI_API_KEY = "sk-test-fake-openai"
        yield server
    assert not server.invalid_requests, f"requests outside the OpenAI schema: {server.invalid_requests}"


@pytest.fixture
def broker_unreachable(monkeypatch):
    """The Celery app publishes to a port where nothing listens: every connection is refused."""
    from config.celery import app

    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, "redis://127.0.0.1:1/0")
    # Drop the connection and producer pools built for the real broker (restored afterwards).
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


@pytest.fixture
def triage_staff(db):
    """A staff member in the "Triage staff" group, with that group's permissions only."""
    from config.ops.staff import ensure_triage_staff_group

    person = UserFactory(is_staff=True)
    person.groups.add(ensure_triage_staff_group())
    return person


@pytest.fixture
def triage_staff_client(client, triage_staff):
    client.force_login(triage_staff)
    return client
