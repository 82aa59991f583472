import multiprocessing

import pytest
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from config.ratelimit.filestorage import FileStorage
from llm import ratelimit
from llm.errors import LLMRateLimited, LLMTransientError


def test_requests_past_llm_rpm_wait_until_the_window_frees_a_slot(settings):
    settings.LLM_RPM = 2

    ratelimit.acquire(tokens=10)
    ratelimit.acquire(tokens=10)
    with pytest.raises(LLMRateLimited, match="LLM_RPM=2") as raised:
        ratelimit.acquire(tokens=10)

    assert 60 <= raised.value.retry_after <= 62 + ratelimit.JITTER_S


def test_tokens_past_llm_tpm_wait(settings):
    settings.LLM_TPM = 1000

    ratelimit.acquire(tokens=600)
    with pytest.raises(LLMRateLimited, match="LLM_TPM=1000"):
        ratelimit.acquire(tokens=600)


def test_a_provider_429_pauses_every_caller(settings):
    ratelimit.pause(5)

    with pytest.raises(LLMRateLimited) as raised:
        ratelimit.acquire(tokens=10)

    assert 4 <= raised.value.retry_after <= 5 + ratelimit.JITTER_S


def test_the_limiter_can_be_switched_off(settings):
    settings.LLM_RPM = 1
    settings.LLM_RATELIMIT_ENABLED = False

    for _ in range(3):
        ratelimit.acquire(tokens=10)


def test_embedded_mode_uses_the_file_store(settings, tmp_path):
    settings.LLM_RATELIMIT_STORAGE_URL = f"file://{tmp_path / 'limits.json'}"
    settings.LLM_RPM = 1

    ratelimit.acquire(tokens=10)
    with pytest.raises(LLMRateLimited):
        ratelimit.acquire(tokens=10)

    assert (tmp_path / "limits.json").exists()


def _hit_many(path: str, hits: int, results) -> None:
    limiter = MovingWindowRateLimiter(FileStorage(f"file://{path}"))
    item = RateLimitItemPerMinute(15)
    results.put(sum(limiter.hit(item, "requests") for _ in range(hits)))


def test_the_file_store_is_shared_by_processes(tmp_path):
    # spawn, not fork: this process has threads (the test worker) whose locks a fork would copy.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_hit_many, args=(str(tmp_path / "l.json"), 10, results)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)

    assert sum(results.get(timeout=5) for _ in workers) == 15


def test_an_unreachable_store_is_a_transient_error(settings):
    settings.LLM_RATELIMIT_STORAGE_URL = "redis://127.0.0.1:9/0"

    with pytest.raises(LLMTransientError, match="rate limit store unreachable"):
        ratelimit.acquire(tokens=10)
