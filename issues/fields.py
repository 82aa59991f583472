"""The issue's fields, declared once: one line per field, saying where it shows.

- `api`: in the issue's JSON, in the order of the lines below (read-only unless `editable`).
- `editable`: people change it: PUT/PATCH in the API, the admin's change form, `issue_update`.
- `create`: asked for when an issue is created (API POST, the admin's add form).
- `admin`: the admin fieldset it is shown read-only in (editable fields are on the form).
- `triage`: triage sets it too; once a person changes it, triage only suggests
  (its `<name>_set_by_human` flag, declared on its own line).

Every column of the model has a line; the benchmark's loader fills them all (bench/issues_api.py).
The serializers, the list selector and the admin take their lists from here. Adding a field that
triage sets means: the model and its migration, the triage schema and prompt, and its lines here.
"""

from dataclasses import dataclass

RECORD = "Record"
TRIAGE_AND_PLANNING = "Triage and planning"
GITHUB_SYNC = "GitHub sync"


@dataclass(frozen=True)
class IssueField:
    name: str
    api: bool = False
    editable: bool = False
    create: bool = False
    admin: str | None = None
    triage: bool = False


ISSUE_FIELDS = (
    IssueField("id", api=True),
    IssueField("key", api=True),  # "<project key>-<number>", e.g. WEB-42
    IssueField("project", api=True, create=True),
    IssueField("project_key", api=True),
    IssueField("number", api=True),
    IssueField("title", api=True, editable=True, create=True),
    IssueField("body", api=True, editable=True, create=True),
    IssueField("status", api=True, editable=True, create=True),
    IssueField("priority", api=True, editable=True, create=True, triage=True),
    IssueField("type", api=True, editable=True, create=True, triage=True),
    IssueField("assignee", api=True, editable=True, create=True),
    IssueField("assignee_username", api=True),
    IssueField("reporter", api=True, editable=True, create=True),
    IssueField("labels", api=True),  # names; written by name through `labels` of the serializers and services
    IssueField("source", api=True, admin=RECORD),
    IssueField("external_id", api=True, admin=RECORD),
    IssueField("version", api=True, admin=RECORD),
    IssueField("created_at", api=True, admin=RECORD),
    IssueField("updated_at", api=True, admin=RECORD),
    IssueField("last_activity_at", api=True, admin=RECORD),
    IssueField("resolved_at", api=True, admin=RECORD),
    IssueField("archived_at", api=True, admin=RECORD),
    IssueField("priority_set_by_human", api=True, admin=RECORD),
    IssueField("type_set_by_human", api=True, admin=RECORD),
    IssueField("summary_set_by_human", api=True, admin=RECORD),
    IssueField("summary", api=True, editable=True, triage=True),
    IssueField("github_updated_at", admin=GITHUB_SYNC),
    IssueField("github_labels", admin=GITHUB_SYNC),
    IssueField("github_labels_removed", admin=GITHUB_SYNC),
    # The linked GitHub issue and the write-back of triage to it (issues/github_sync.py).
    IssueField("github_repository", api=True, admin=GITHUB_SYNC),
    IssueField("github_number", api=True, admin=GITHUB_SYNC),
    IssueField("github_sync_state", api=True, admin=GITHUB_SYNC),
    IssueField("github_sync_error", api=True, admin=GITHUB_SYNC),
    IssueField("github_synced_at", api=True, admin=GITHUB_SYNC),
    IssueField("github_comment_id", api=True, admin=GITHUB_SYNC),
    IssueField("github_labels_sent", admin=GITHUB_SYNC),
    IssueField("triage_state", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("triage_error", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("triage_confidence", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("triaged_at", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("plan_state", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("plan_error", api=True, admin=TRIAGE_AND_PLANNING),
    IssueField("planned_at", api=True, admin=TRIAGE_AND_PLANNING),
    # Set by accepting a duplicate suggestion (issues/services/suggestions.py); the reverse
    # (`duplicates`) is in the issue's detail.
    IssueField("duplicate_of", api=True, admin=TRIAGE_AND_PLANNING),
    # Job bookkeeping and the search document (kept by a database trigger): shown nowhere.
    IssueField("triage_attempts"),
    IssueField("triage_state_changed_at"),
    IssueField("plan_attempts"),
    IssueField("plan_state_changed_at"),
    IssueField("github_sync_attempts"),
    IssueField("github_sync_state_changed_at"),
    IssueField("github_comment_hash"),
    IssueField("search_vector"),
)

ALL_FIELDS = tuple(field.name for field in ISSUE_FIELDS)
API_FIELDS = tuple(field.name for field in ISSUE_FIELDS if field.api)
EDITABLE_FIELDS = tuple(field.name for field in ISSUE_FIELDS if field.editable)
CREATE_FIELDS = tuple(field.name for field in ISSUE_FIELDS if field.create)
TRIAGE_FIELDS = tuple(field.name for field in ISSUE_FIELDS if field.triage)
ADMIN_READ_ONLY_FIELDS = tuple(field.name for field in ISSUE_FIELDS if field.admin)
# {fieldset name: its fields}, in the order the fieldsets first appear above.
ADMIN_READ_ONLY_FIELDSETS = {
    fieldset: tuple(field.name for field in ISSUE_FIELDS if field.admin == fieldset)
    for fieldset in dict.fromkeys(field.admin for field in ISSUE_FIELDS if field.admin)
}
