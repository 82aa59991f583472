"""Two worker processes share one LLM_RPM, measured where it matters: at the provider.

The limiter's window is shortened from a minute to WINDOW_S seconds (LLM_RATELIMIT_WINDOW_S):
the property is the same, a test of it takes seconds instead of minutes."""

import uuid

import pytest

from config.celery import app
from config.jobs.state import JobState
from llm.models import LLMProbe
from tests.llm.workers import celery_workers, worker_env
from tests.worker import wait_for

WINDOW_S = 3
RPM = 6  # per WINDOW_S
JOBS = 2 * RPM  # two windows' worth


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_never_exceed_llm_rpm_in_any_window(fake_openai):
    fake_openai.delay_s = 0.05
    queue = f"llm-test-{uuid.uuid4().hex[:8]}"
    probes = [LLMProbe.objects.create(question=f"question {number}") for number in range(JOBS)]

    with celery_workers(
        count=2,
        queue=queue,
        concurrency=1,
        pool="solo",
        env=worker_env(LLM_RPM=str(RPM), LLM_RATELIMIT_WINDOW_S=str(WINDOW_S)),
    ):
        for probe in probes:
            app.send_task("llm.probe", args=[probe.pk], queue=queue)
        wait_for(
            lambda: LLMProbe.objects.filter(state=JobState.DONE).count() == JOBS,
            timeout=60,
            interval=0.5,
        )

    assert len(fake_openai.requests) == JOBS
    assert fake_openai.max_in_window(WINDOW_S) <= RPM
    # The limit held the second half back for a window instead of letting it through at once.
    assert fake_openai.request_times[-1] - fake_openai.request_times[0] >= WINDOW_S
