"""OpenAPI examples of the issue tracker API."""

from drf_spectacular.utils import OpenApiExample

ISSUE_CREATE = OpenApiExample(
    "Create",
    request_only=True,
    value={
        "project": 1,
        "title": "Checkout fails with a 500 when the basket is empty",
        "body": "Steps: empty the basket, press Checkout.",
        "priority": "high",
        "type": "bug",
        "labels": ["bug", "checkout"],
    },
)
ISSUE = OpenApiExample(
    "Issue",
    response_only=True,
    value={
        "id": 42,
        "key": "WEB-42",
        "project": 1,
        "project_key": "WEB",
        "number": 42,
        "title": "Checkout fails with a 500 when the basket is empty",
        "body": "Steps: empty the basket, press Checkout.",
        "status": "open",
        "priority": "high",
        "type": "bug",
        "assignee": None,
        "assignee_username": None,
        "reporter": "",
        "labels": ["bug", "checkout"],
        "source": "",
        "external_id": "",
        "version": 1,
        "created_at": "2026-11-21T20:00:00Z",
        "updated_at": "2026-11-21T20:00:00Z",
        "last_activity_at": "2026-11-21T20:00:00Z",
        "resolved_at": None,
        "archived_at": None,
        # Given when the issue was created (ISSUE_CREATE): the creator's, not triage's.
        "priority_set_by_human": True,
        "type_set_by_human": True,
        "summary_set_by_human": False,
        "summary": "",
        "triage_state": "pending",
        "triage_error": "",
        "triage_confidence": None,
        "triaged_at": None,
        "plan_state": "skipped",
        "plan_error": "",
        "planned_at": None,
    },
)
ISSUE_PATCH = OpenApiExample("Change status", request_only=True, value={"version": 3, "status": "in_progress"})
ISSUE_PUT = OpenApiExample(
    "Replace",
    request_only=True,
    value={
        "version": 3,
        "title": "Checkout fails on an empty basket",
        "body": "",
        "status": "open",
        "priority": "high",
        "type": "bug",
        "assignee": 7,
    },
)
VERSION_CONFLICT = OpenApiExample(
    "Stale version",
    response_only=True,
    status_codes=["409"],
    value={
        "error": {
            "type": "version_conflict",
            "message": "The issue was changed meanwhile; its current version is 4.",
            "current_version": 4,
        },
        "detail": "The issue was changed meanwhile; its current version is 4.",
    },
)
COMMENT = OpenApiExample("Comment", request_only=True, value={"body": "Reproduced on Firefox too."})
LABELS_PUT = OpenApiExample(
    "Replace labels", request_only=True, value={"labels": ["bug", "needs-info"], "create_missing": False}
)
UNKNOWN_LABELS = OpenApiExample(
    "Unknown labels",
    response_only=True,
    status_codes=["400"],
    value={
        "error": {
            "type": "unknown_labels",
            "message": "Unknown labels in project WEB: needs-info.",
            "labels": ["needs-info"],
        },
        "detail": "Unknown labels in project WEB: needs-info.",
    },
)
BULK_STATUS = OpenApiExample("Close three", request_only=True, value={"ids": [41, 42, 43], "status": "closed"})
UNKNOWN_IDS = OpenApiExample(
    "Unknown ids",
    response_only=True,
    status_codes=["400"],
    value={
        "error": {"type": "unknown_ids", "message": "Unknown issue ids: 999.", "ids": [999]},
        "detail": "Unknown issue ids: 999.",
    },
)
IMPORT_REPORT = OpenApiExample(
    "Report",
    response_only=True,
    value={
        "rows": 3,
        "created": [{"row": 2, "id": 101, "key": "WEB-43"}],
        "skipped": [{"row": 3, "issue_id": 57, "reason": "already imported"}],
        "errors": [{"row": 4, "errors": {"priority": ["'urgent' is not one of critical, high, medium, low."]}}],
        "ignored_columns": ["Sprint"],
    },
)
EVENT = OpenApiExample(
    "Event",
    request_only=True,
    value={
        "source": "zendesk",
        "id": "48213",
        "title": "Cannot reset my password",
        "description": "The reset link says it has expired.",
        "author": "jane@example.com",
        "createdAt": "2026-11-20T09:30:00Z",
        "project": "WEB",
    },
)
TASK_CREATE = OpenApiExample(
    "Task",
    request_only=True,
    value={"project": 1, "issue": 42, "title": "Guard checkout against empty baskets", "estimated_hours": "3.5"},
)
TASK_PATCH = OpenApiExample("Start", request_only=True, value={"version": 1, "status": "in_progress"})
TOP_ASSIGNEES = OpenApiExample(
    "Top assignees", response_only=True, value=[{"assignee": 7, "username": "alice", "resolved": 31}]
)
RESOLUTION_TIME = OpenApiExample(
    "Resolution time",
    response_only=True,
    value=[
        {
            "assignee": 7,
            "username": "alice",
            "resolved": 31,
            "mean_seconds": 97200.0,
            "median_seconds": 54000.0,
            "mean_hours": 27.0,
            "median_hours": 15.0,
        }
    ],
)

SUGGESTION_ACCEPT = OpenApiExample(
    "Accept a duplicate and close this issue",
    request_only=True,
    value={"reason": "Same crash, same stack trace", "close": True},
)
SUGGESTION_DISMISS = OpenApiExample(
    "Dismiss", request_only=True, value={"reason": "We do not track design work with labels"}
)
SUGGESTION_DECISION = OpenApiExample(
    "Decided",
    response_only=True,
    value={
        "suggestion": {
            "id": 7,
            "issue": 42,
            "run": 90,
            "kind": "duplicate",
            "value": {"number": 12, "issue_id": 12, "reason": "Same crash on an empty basket."},
            "why": "A likely duplicate: a person confirms it.",
            "state": "accepted",
            "decided_by": 3,
            "decided_by_username": "ana",
            "decided_at": "2026-11-21T20:05:00Z",
            "decision_reason": "Same crash, same stack trace",
            "created_at": "2026-11-21T20:00:05Z",
            "comment": None,
            "github_post_state": "skipped",
            "github_post_error": "",
        },
        "issue": {"id": 42, "key": "WEB-42", "status": "closed", "duplicate_of": 12, "version": 3, "...": "..."},
    },
)
TRIAGE_STATS = OpenApiExample(
    "Triage stats",
    response_only=True,
    value=[
        {
            "project": 1,
            "project_key": "WEB",
            "field": "priority",
            "decisions": 40,
            "applied": 32,
            "accepted": 5,
            "dismissed": 3,
            "changed_by_hand": 4,
            "accepted_share": 0.125,
            "dismissed_share": 0.075,
            "changed_by_hand_share": 0.1,
        }
    ],
)
