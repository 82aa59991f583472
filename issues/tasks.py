"""Celery entry points of the issues app: thin, ids in, one service call each."""

from celery import shared_task
from django.conf import settings

from config.jobs.taskbase import JobTask, run_job
from issues.archiving import issues_archive_stale
from issues.github_sync import issue_github_writeback
from issues.jobs import GITHUB_WRITEBACK, PLAN, QUESTION_POST, TRIAGE
from issues.planning.services import issue_plan
from issues.suggestions.github import suggestion_question_post
from issues.triage.services import issue_triage


@shared_task(name="issues.archive_stale", queue="default", base=JobTask)
def archive_stale(dry_run: bool = False) -> dict:
    """Daily beat job: archive issues with no activity for ARCHIVE_AFTER_DAYS (see issues/archiving.py)."""
    return issues_archive_stale(dry_run=dry_run).as_dict()


@shared_task(name="issues.triage", queue="llm", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def triage(self, issue_id: int) -> None:
    run_job(self, TRIAGE, issue_id, lambda: issue_triage(issue_id=issue_id))


@shared_task(name="issues.plan", queue="llm", base=JobTask, bind=True, max_retries=settings.LLM_MAX_RETRIES)
def plan(self, issue_id: int) -> None:
    run_job(self, PLAN, issue_id, lambda: issue_plan(issue_id=issue_id))


@shared_task(name="issues.sync_to_github", queue="default", base=JobTask, bind=True)
def sync_to_github(self, issue_id: int) -> None:
    """Write an issue's triage back to its GitHub issue (labels, the triage comment)."""
    run_job(self, GITHUB_WRITEBACK, issue_id, lambda: issue_github_writeback(issue_id=issue_id))


@shared_task(name="issues.post_question_to_github", queue="default", base=JobTask, bind=True)
def post_question_to_github(self, suggestion_id: int) -> None:
    """Post an accepted question for the reporter on the linked GitHub issue."""
    run_job(self, QUESTION_POST, suggestion_id, lambda: suggestion_question_post(suggestion_id=suggestion_id))
