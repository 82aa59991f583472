from celery import shared_task
from django.utils import timezone

from config.jobs.dispatch import SEND_JOBS_TASK, send_each
from config.jobs.state import JOB_KINDS
from config.jobs.sweeper import jobs_sweep_stuck
from config.jobs.taskbase import JobTask
from config.models import Heartbeat


@shared_task(name="system.heartbeat", base=JobTask)
def heartbeat(name: str = "beat") -> None:
    """Record that beat and a worker are alive; /readyz reports how long ago that was."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})


@shared_task(name="system.sweep_stuck_jobs", base=JobTask)
def sweep_stuck_jobs() -> dict:
    """Beat job: re-send every registered job kind's rows stuck in pending/running (config/jobs/sweeper.py)."""
    return {name: vars(outcome) for name, outcome in jobs_sweep_stuck().items()}


@shared_task(name=SEND_JOBS_TASK, base=JobTask)
def send_jobs(task_name: str, ids: list) -> int:
    """Fan out the job messages a BatchPublisher sent together (config/jobs/dispatch.py)."""
    if task_name not in {kind.task_name for kind in JOB_KINDS}:
        raise ValueError(f"{task_name!r} is not the task of a registered job kind")
    send_each(task_name, ids)
    return len(ids)
