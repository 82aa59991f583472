from celery import shared_task
from django.utils import timezone

from config.jobs.dispatch import SEND_JOBS_TASK, send_pending
from config.jobs.state import job_kind
from config.jobs.sweeper import jobs_sweep_stuck
from config.jobs.taskbase import JobTask
from config.models import Heartbeat


@shared_task(name="system.heartbeat", queue="system", base=JobTask)
def heartbeat(name: str = "beat") -> None:
    """Record that beat and a worker are alive; /readyz reports how long ago that was."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})


@shared_task(name="system.sweep_stuck_jobs", queue="system", base=JobTask)
def sweep_stuck_jobs() -> dict:
    """Beat job: re-send every registered job kind's rows stuck in pending/running (config/jobs/sweeper.py)."""
    return {name: vars(outcome) for name, outcome in jobs_sweep_stuck().items()}


@shared_task(name=SEND_JOBS_TASK, queue="default", base=JobTask)
def send_jobs(task_name: str, ids: list) -> int:
    """Fan out jobs sent together (CSV import, sweeper): one message per id still pending
    (config/jobs/dispatch.py)."""
    return send_pending(job_kind(task_name), ids)
