"""The Django admin for triage staff: every write goes through issues.services."""

from issues.admin.issues import IssueAdmin
from issues.admin.others import ActivityAdmin, CommentAdmin, LabelAdmin, ProjectAdmin, TaskAdmin

__all__ = ["ActivityAdmin", "CommentAdmin", "IssueAdmin", "LabelAdmin", "ProjectAdmin", "TaskAdmin"]
