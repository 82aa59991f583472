"""Celery entry points of the issues app: thin, ids in, one service call each."""

from celery import shared_task

from config.taskbase import JobTask
from issues.archiving import issues_archive_stale


@shared_task(name="issues.archive_stale", base=JobTask)
def archive_stale(dry_run: bool = False) -> dict:
    """Daily beat job: archive issues with no activity for ARCHIVE_AFTER_DAYS (see issues/archiving.py)."""
    return issues_archive_stale(dry_run=dry_run).as_dict()
