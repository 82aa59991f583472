"""Two worker processes share one LLM_RPM, measured where it matters: at the provider."""

import uuid

import pytest

from config.celery import app
from config.jobs.state import JobState
from llm.models import LLMProbe
from tests.llm.workers import celery_workers, worker_env
from tests.worker import wait_for

RPM = 60
JOBS = 75


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_never_exceed_llm_rpm_in_any_minute(fake_openai):
    fake_openai.delay_s = 0.05
    queue = f"llm-test-{uuid.uuid4().hex[:8]}"
    probes = [LLMProbe.objects.create(question=f"question {number}") for number in range(JOBS)]

    with celery_workers(count=2, queue=queue, concurrency=2, env=worker_env(LLM_RPM=str(RPM))):
        for probe in probes:
            app.send_task("llm.probe", args=[probe.pk], queue=queue)
        wait_for(
            lambda: LLMProbe.objects.filter(state=JobState.DONE).count() == JOBS,
            timeout=150,
            interval=0.5,
        )

    assert len(fake_openai.requests) == JOBS
    assert fake_openai.max_in_window(60.0) <= RPM
    # The limit held the rest back for a minute instead of letting them through at once.
    assert fake_openai.request_times[-1] - fake_openai.request_times[0] >= 60.0
