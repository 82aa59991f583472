"""The background jobs that live on an issue's row: triage and planning."""

from config.jobs.state import JobKind, register_job_kind
from issues.models import Issue

TRIAGE = register_job_kind(JobKind(Issue, "triage_", "triaged_at", "issues.triage"))
PLAN = register_job_kind(JobKind(Issue, "plan_", "planned_at", "issues.plan"))
