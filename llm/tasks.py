from celery import shared_task
from django.conf import settings

from config.errors import PermanentError, TransientError
from config.taskbase import JobTask
from llm.jobs import PROBE
from llm.services import llm_prune, probe_run


@shared_task(name="llm.probe", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def probe(self, probe_id: int) -> None:
    try:
        probe_run(probe_id=probe_id)
    except TransientError as exc:
        if self.retries_exhausted(exc):
            PROBE.fail(probe_id, str(exc))
            return
        PROBE.release(probe_id)
        raise
    except PermanentError as exc:
        PROBE.fail(probe_id, str(exc))


@shared_task(name="llm.prune", base=JobTask)
def prune() -> dict[str, int]:
    return llm_prune()
