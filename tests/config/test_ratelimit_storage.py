import pytest
from django.conf import settings
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import RedisStorage

from config.api import throttling
from config.ratelimit.filestorage import FileStorage
from config.ratelimit.storage import limits_storage, moving_window
from llm import ratelimit as llm_ratelimit
from reviews import ratelimit as github_ratelimit


def test_a_url_gives_one_storage_per_process_shared_by_every_limiter_on_it():
    url = settings.CACHES["default"]["LOCATION"]

    assert isinstance(limits_storage(url), RedisStorage)
    assert moving_window(url).storage is limits_storage(url)
    # The API throttles' connection gives up sooner: they fail open rather than keep a request waiting.
    assert throttling.moving_window().storage is limits_storage(
        url, socket_connect_timeout=throttling.STORE_CONNECT_TIMEOUT_S, socket_timeout=throttling.STORE_TIMEOUT_S
    )


def test_the_llm_and_github_limiters_count_in_the_storage_of_their_setting(settings, tmp_path):
    settings.LLM_RATELIMIT_STORAGE_URL = f"file://{tmp_path / 'llm.json'}"
    settings.GITHUB_RATELIMIT_STORAGE_URL = f"file://{tmp_path / 'github.json'}"
    settings.GITHUB_WRITES_PER_MINUTE = 1

    llm_ratelimit.acquire(tokens=10)
    github_ratelimit.acquire_write_slot()

    assert "requests" in (tmp_path / "llm.json").read_text()
    assert github_ratelimit.WRITE_KEY in (tmp_path / "github.json").read_text()
    assert isinstance(limits_storage(settings.GITHUB_RATELIMIT_STORAGE_URL), FileStorage)


def test_a_file_url_keeps_a_moving_window_in_the_locked_file_of_embedded_mode(tmp_path):
    limiter = moving_window(f"file://{tmp_path / 'limits.json'}")
    item = RateLimitItemPerMinute(2)

    assert [limiter.hit(item, "key") for _ in range(3)] == [True, True, False]


def test_an_unreachable_store_raises_the_storage_error_callers_handle():
    limiter = moving_window("redis://127.0.0.1:1/0")

    with pytest.raises(StorageError):
        limiter.hit(RateLimitItemPerMinute(1), "key")
