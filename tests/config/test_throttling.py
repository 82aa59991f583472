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
