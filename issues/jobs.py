"""The background jobs that live on an issue's row: triage, planning, and the write-back of
triage to the linked GitHub issue."""

from config.jobs.state import JobKind, register_job_kind
from issues.models import Issue, TriageSuggestion

TRIAGE = register_job_kind(JobKind(Issue, "triage_", "triaged_at", "issues.triage"))
PLAN = register_job_kind(JobKind(Issue, "plan_", "planned_at", "issues.plan"))
GITHUB_WRITEBACK = register_job_kind(JobKind(Issue, "github_sync_", "github_synced_at", "issues.sync_to_github"))

# An accepted question for the reporter, posted on the linked GitHub issue (issues/suggestions/github.py).
QUESTION_POST = register_job_kind(
    JobKind(TriageSuggestion, "github_post_", "github_posted_at", "issues.post_question_to_github")
)
