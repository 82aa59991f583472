from datetime import timedelta

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.jobs.periodic import ensure_periodic_tasks
from issues.models import Issue
from issues.tasks import archive_stale
from tests.issues.factories import IssueFactory
from tests.worker import wait_for


def test_bootstrap_schedules_the_archive_job_daily(db):
    ensure_periodic_tasks()

    job = PeriodicTask.objects.get(name="issues.archive_stale")
    assert (job.task, job.enabled, job.crontab.hour, job.crontab.day_of_week) == (
        "issues.archive_stale",
        True,
        "3",
        "*",
    )


def test_the_worker_archives_stale_issues(celery_worker):
    stale = IssueFactory()
    Issue.objects.filter(pk=stale.pk).update(
        last_activity_at=timezone.now() - timedelta(days=31), updated_at=timezone.now() - timedelta(days=31)
    )

    archive_stale.delay()

    wait_for(lambda: Issue.objects.filter(pk=stale.pk, archived_at__isnull=False).exists())


def test_the_dry_run_task_archives_nothing(db):
    stale = IssueFactory()
    Issue.objects.filter(pk=stale.pk).update(
        last_activity_at=timezone.now() - timedelta(days=31), updated_at=timezone.now() - timedelta(days=31)
    )

    result = archive_stale.run(dry_run=True)

    assert (result["dry_run"], result["archived"]) == (True, 1)
    assert not Issue.objects.filter(archived_at__isnull=False).exists()
