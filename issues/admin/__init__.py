"""The Django admin for triage staff: every write goes through issues.services."""

from issues.admin.issues import IssueAdmin
from issues.admin.others import ActivityAdmin, CommentAdmin, LabelAdmin, ProjectAdmin, TaskAdmin
from issues.admin.triage import PlanRunAdmin, TriageRuleAdmin, TriageRunAdmin

__all__ = [
    "ActivityAdmin",
    "CommentAdmin",
    "IssueAdmin",
    "LabelAdmin",
    "PlanRunAdmin",
    "ProjectAdmin",
    "TaskAdmin",
    "TriageRuleAdmin",
    "TriageRunAdmin",
]
