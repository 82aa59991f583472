"""Celery entry points of the issues app: thin, ids in, one service call each."""

import logging

from celery import shared_task
from django.conf import settings

from config.errors import PermanentError, TransientError
from config.jobs import JobKind
from config.taskbase import JobTask
from issues.archiving import issues_archive_stale
from issues.jobs import PLAN, TRIAGE
from issues.models import Issue
from issues.planning.services import issue_plan
from issues.services.triage_queue import FAN_OUT_TASK, triage_send
from issues.triage.services import issue_triage

logger = logging.getLogger(__name__)


@shared_task(name="issues.archive_stale", base=JobTask)
def archive_stale(dry_run: bool = False) -> dict:
    """Daily beat job: archive issues with no activity for ARCHIVE_AFTER_DAYS (see issues/archiving.py)."""
    return issues_archive_stale(dry_run=dry_run).as_dict()


@shared_task(name=FAN_OUT_TASK, base=JobTask)
def send_triage_jobs(issue_ids: list[int]) -> int:
    """Fan out the triage jobs of issues created together (CSV import)."""
    return triage_send(issue_ids)


def _run_job(task, job: JobKind, issue_id: int, service) -> None:
    """The job lifecycle around one service call: claim, retry transient errors, fail permanent ones."""
    if not job.claim(issue_id):
        logger.info("%s for issue %s: nothing to do (finished, running or gone)", task.name, issue_id)
        return
    try:
        service(issue_id=issue_id)
    except Issue.DoesNotExist:
        logger.info("%s for issue %s: the issue was deleted", task.name, issue_id)
    except TransientError as exc:
        if _retries_exhausted(task, exc):
            job.fail(issue_id, f"Gave up after {task.request.retries + 1} attempts: {exc}")
            return
        job.release(issue_id)
        raise
    except PermanentError as exc:
        job.fail(issue_id, str(exc))
    except Exception as exc:
        # A bug, not an outside failure: no retry, but the row shows it and staff can re-run.
        job.fail(issue_id, f"Unexpected error: {type(exc).__name__}: {exc}")
        raise


def _retries_exhausted(task, exc) -> bool:
    check = getattr(task, "retries_exhausted", None)
    if check is not None:
        return check(exc)
    return task.max_retries is not None and task.request.retries >= task.max_retries


@shared_task(name="issues.triage", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def triage(self, issue_id: int) -> None:
    _run_job(self, TRIAGE, issue_id, issue_triage)


@shared_task(name="issues.plan", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def plan(self, issue_id: int) -> None:
    _run_job(self, PLAN, issue_id, issue_plan)
