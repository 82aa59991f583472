"""Writes of the issue tracker: issues, tasks, comments, labels and their activity history.

Every change to an issue or task goes through here, records its activity, and keeps the
invariants: gap-free per-project numbers, optimistic concurrency on `version`, `resolved_at`
following status, `last_activity_at` following activity (people's updates and comments, reopens).
"""

from issues.services.activity import activity_record
from issues.services.comments import comment_create, comment_delete_from_source, comment_update_from_source
from issues.services.github import (
    StaleGitHubDelivery,
    issue_github_create,
    issue_github_label_removed_by_person,
    issue_github_sync,
)
from issues.services.issues import (
    DuplicateIssueError,
    issue_archive,
    issue_create,
    issue_set_labels,
    issue_unarchive,
    issue_update,
    issues_bulk_set_status,
)
from issues.services.suggestions import SuggestionDecided, suggestion_accept, suggestion_dismiss
from issues.services.tasks import task_create, task_update

__all__ = [
    "DuplicateIssueError",
    "StaleGitHubDelivery",
    "activity_record",
    "comment_create",
    "comment_delete_from_source",
    "comment_update_from_source",
    "issue_github_create",
    "issue_github_label_removed_by_person",
    "issue_github_sync",
    "issue_archive",
    "issue_create",
    "issue_set_labels",
    "issue_unarchive",
    "issue_update",
    "issues_bulk_set_status",
    "SuggestionDecided",
    "suggestion_accept",
    "suggestion_dismiss",
    "task_create",
    "task_update",
]
