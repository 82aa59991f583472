"""The project's periodic jobs, written into django-celery-beat's tables by `manage.py bootstrap`.

Kept out of CELERY_BEAT_SCHEDULE on purpose: beat would rewrite those rows at every start and
undo what staff changed in the admin. Here a job's row is created once; later runs update its
task path and description but keep the schedule and the enabled flag staff may have edited
(`--reset-schedules` puts the defaults back).
"""

import json
from dataclasses import dataclass, field

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week", UTC
    kwargs: dict = field(default_factory=dict)


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        name="system.heartbeat",
        task="system.heartbeat",
        description="Proves beat and a worker are alive; /readyz reports the age of the last beat.",
        every_seconds=60,
    ),
    PeriodicJob(
        name="system.sweep_stuck_jobs",
        task="system.sweep_stuck_jobs",
        description="Re-sends jobs pending past JOB_STUCK_AFTER_S (their broker message was lost) and "
        "running jobs whose lease expired (their worker died); a job started JOB_MAX_ATTEMPTS times "
        "without finishing ends failed.",
        every_seconds=60,
    ),
    PeriodicJob(
        name="issues.archive_stale",
        task="issues.archive_stale",
        description="Archives issues with no activity for ARCHIVE_AFTER_DAYS (exempt labels and open "
        "critical issues excepted). Runs daily at 03:30 UTC; change the schedule here in the admin.",
        crontab="30 3 * * *",
    ),
    PeriodicJob(
        name="llm.prune",
        task="llm.prune",
        description="Deletes expired LLM cache entries; empties ledger prompts and replies past the retention.",
        crontab="17 3 * * *",
    ),
    PeriodicJob(
        name="llm.mark_lost_calls",
        task="llm.mark_lost_calls",
        description="Marks lost the LLM calls still in flight past CELERY_TASK_TIME_LIMIT (their worker "
        "died during the call); they keep their estimated cost in the usage totals.",
        every_seconds=300,
    ),
    PeriodicJob(
        name="reviews.prune_deliveries",
        task="reviews.prune_deliveries",
        description="Deletes finished GitHub deliveries (and their payloads) older than DELIVERY_RETENTION_DAYS.",
        crontab="47 3 * * *",
    ),
    PeriodicJob(
        name="reviews.redeliver_failed",
        task="reviews.redeliver_failed",
        description="With GitHub App credentials: asks GitHub to redeliver the App's failed webhook "
        "deliveries of the last 3 days that Triage Desk does not hold, at most once per delivery "
        "(admin → Redelivery runs). Without App credentials it does nothing.",
        every_seconds=600,
    ),
]


def _schedule_fields(job: PeriodicJob) -> dict:
    if job.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(every=job.every_seconds, period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    minute, hour, day_of_month, month_of_year, day_of_week = job.crontab.split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def ensure_periodic_tasks(*, reset_schedules: bool = False) -> dict[str, str]:
    """Create or update every periodic job's row; returns {name: created|updated|unchanged}."""
    outcome = {}
    for job in PERIODIC_JOBS:
        fixed = {"task": job.task, "description": job.description, "kwargs": json.dumps(job.kwargs)}
        existing = PeriodicTask.objects.filter(name=job.name).first()
        if existing is None:
            PeriodicTask.objects.create(name=job.name, enabled=True, **fixed, **_schedule_fields(job))
            outcome[job.name] = "created"
            continue
        wanted = dict(fixed)
        if reset_schedules:
            wanted.update(_schedule_fields(job), enabled=True)
        changed = [name for name, value in wanted.items() if getattr(existing, name) != value]
        for name in changed:
            setattr(existing, name, wanted[name])
        if changed:
            existing.save()
        outcome[job.name] = "updated" if changed else "unchanged"
    return outcome
