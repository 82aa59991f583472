from celery import shared_task
from django.conf import settings

from config.jobs.taskbase import JobTask, run_job
from llm.jobs import PROBE
from llm.services import llm_mark_lost_calls, llm_prune, probe_run


@shared_task(name="llm.probe", queue="llm", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def probe(self, probe_id: int) -> None:
    run_job(self, PROBE, probe_id, lambda: probe_run(probe_id=probe_id))


@shared_task(name="llm.prune", queue="default", base=JobTask)
def prune() -> dict[str, int]:
    return llm_prune()


@shared_task(name="llm.mark_lost_calls", queue="default", base=JobTask)
def mark_lost_calls() -> int:
    return llm_mark_lost_calls()
