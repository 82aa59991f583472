"""End-to-end: the llm.probe job through a real Celery worker and the fake OpenAI server."""

from config.jobs.state import JobState
from llm.choices import Outcome
from llm.models import LLMCall, LLMProbe
from llm.services import probe_create
from tests.worker import wait_for


def finished(probe: LLMProbe) -> LLMProbe | None:
    probe.refresh_from_db()
    return probe if probe.state in (JobState.DONE, JobState.FAILED) else None


def run_probe(question: str = "Are you there?", timeout: float = 20.0) -> LLMProbe:
    probe = probe_create(question=question)
    return wait_for(lambda: finished(probe), timeout=timeout)


def test_probe_stores_the_answer_and_its_ledger_row(celery_worker, fake_openai):
    fake_openai.add_reply({"answer": "Yes."})

    probe = run_probe()

    assert (probe.state, probe.answer, probe.cached) == (JobState.DONE, "Yes.", False)
    assert probe.call.outcome == Outcome.OK
    assert probe.call.subject == probe


def test_provider_429_with_retry_after_is_honoured(celery_worker, fake_openai):
    fake_openai.add_error(429, headers={"retry-after": "2"})
    fake_openai.add_reply({"answer": "Yes."})

    probe = run_probe()

    assert probe.state == JobState.DONE
    first, second = fake_openai.request_times
    assert second - first >= 2.0
    assert list(LLMCall.objects.order_by("id").values_list("outcome", flat=True)) == [Outcome.RATE_LIMITED, Outcome.OK]


def test_three_server_errors_then_success_give_one_result_and_four_ledger_rows(celery_worker, fake_openai):
    for _ in range(3):
        fake_openai.add_error(500)
    fake_openai.add_reply({"answer": "Yes."})

    probe = run_probe(timeout=30)

    assert (probe.state, probe.answer, probe.attempts) == (JobState.DONE, "Yes.", 4)
    outcomes = list(LLMCall.objects.filter(subject_id=str(probe.pk)).order_by("id").values_list("outcome", flat=True))
    assert outcomes == [Outcome.TRANSIENT_ERROR] * 3 + [Outcome.OK]


def test_malformed_json_twice_ends_failed_with_the_validation_error(celery_worker, fake_openai):
    fake_openai.add_malformed()
    fake_openai.add_malformed()

    probe = run_probe()

    assert probe.state == JobState.FAILED
    assert probe.error.startswith("invalid LLM output after 2 attempts: Invalid JSON")
    assert LLMCall.objects.filter(outcome=Outcome.INVALID_OUTPUT).count() == 2


def test_same_request_twice_makes_one_provider_call_and_one_cache_hit(celery_worker, fake_openai):
    fake_openai.add_reply({"answer": "Yes."})

    first = run_probe("Same question?")
    second = run_probe("Same question?")

    assert len(fake_openai.requests) == 1
    assert (first.cached, second.cached, second.answer) == (False, True, "Yes.")
    assert LLMCall.objects.get(pk=second.call_id).outcome == Outcome.CACHE_HIT


def test_without_an_api_key_the_probe_fails_as_not_configured(celery_worker, settings):
    settings.OPENAI_API_KEY = ""

    probe = run_probe()

    assert (probe.state, probe.error) == (JobState.FAILED, "LLM not configured")


def test_retries_exhausted_end_the_job_failed(celery_worker, fake_openai, settings):
    from llm.tasks import probe as probe_task

    probe_task.max_retries = 1
    try:
        fake_openai.add_error(503, headers={"retry-after": "0"})
        fake_openai.add_error(503, headers={"retry-after": "0"})

        probe = run_probe()
    finally:
        probe_task.max_retries = settings.LLM_MAX_RETRIES

    assert probe.state == JobState.FAILED
    assert "503" in probe.error
    assert len(fake_openai.requests) == 2
