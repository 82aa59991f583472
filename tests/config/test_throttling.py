import pytest
import redis
from django.conf import settings

from config.api import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(throttling.UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})


def test_users_are_throttled_on_a_moving_window_kept_in_redis(user_client, three_a_minute):
    statuses = [user_client.get("/api/projects/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = user_client.get("/api/projects/")
    assert response.json()["error"]["type"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert list(store.scan_iter(match="LIMITS:*throttle_user_*"))


def test_each_user_has_a_window_of_their_own(user_client, staff_client, three_a_minute):
    for _ in range(3):
        user_client.get("/api/projects/")

    assert user_client.get("/api/projects/").status_code == 429
    assert staff_client.get("/api/projects/").status_code == 200


def test_without_redis_the_throttles_are_drfs_own(user_client, three_a_minute, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    statuses = [user_client.get("/api/projects/").status_code for _ in range(4)]

    assert throttling.moving_window() is None
    assert statuses == [200, 200, 200, 429]


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The throttle store (the cache's Redis) points at a port where nothing listens; yields
    the working store's location."""
    working = settings.CACHES["default"]["LOCATION"]
    settings.CACHES = {
        "default": {
            "BACKEND": throttling.REDIS_CACHE,
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    throttling.store_outage.clear()
    yield working
    throttling.store_outage.clear()


def test_with_redis_down_the_api_answers_unthrottled_and_logs_a_warning(user_client, redis_down, caplog):
    with caplog.at_level("WARNING", logger="config.api.throttling"):
        response = user_client.get("/api/projects/")

    assert response.status_code == 200
    assert "throttle store unavailable" in caplog.text


def test_with_redis_down_the_store_is_not_retried_on_every_request(user_client, redis_down, caplog, three_a_minute):
    with caplog.at_level("WARNING", logger="config.api.throttling"):
        statuses = [user_client.get("/api/projects/").status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert caplog.text.count("throttle store unavailable") == 1


def test_throttling_comes_back_when_the_store_answers_again(user_client, redis_down, settings, three_a_minute):
    user_client.get("/api/projects/")
    assert throttling.store_outage.active()
    settings.CACHES = {"default": {"BACKEND": throttling.REDIS_CACHE, "LOCATION": redis_down}}
    throttling.store_outage.clear()

    statuses = [user_client.get("/api/projects/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
