"""Creating and changing issues."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from config.api.errors import ApplicationError
from issues.actors import Actor
from issues.choices import FINISHED_STATUSES, ActorType, IssuePriority, IssueStatus, IssueType
from issues.fields import EDITABLE_FIELDS, TRIAGE_FIELDS
from issues.jobs import TRIAGE
from issues.models import Activity, Issue, Project
from issues.services.activity import activity_build, activity_record, is_activity
from issues.services.common import (
    candidate_with,
    reject_unknown_fields,
    require_user_or_none,
    same_value,
    validate_fields,
    versioned_write,
)
from issues.services.labels import labels_resolve

ISSUE_EDITABLE_FIELDS = frozenset(EDITABLE_FIELDS)
# Fields triage also writes: once a person changes one, triage only suggests (`<field>_set_by_human`).
HUMAN_OWNED_FIELDS = TRIAGE_FIELDS
# Fields only services write (not people through the API or the admin's form): the duplicate
# link, set by accepting a duplicate suggestion (issues/services/suggestions.py).
ISSUE_SERVICE_FIELDS = frozenset({"duplicate_of"})
ISSUE_UPDATE_KEYS = ISSUE_EDITABLE_FIELDS | ISSUE_SERVICE_FIELDS | {"labels"}


class DuplicateIssueError(ApplicationError):
    """An issue with this (source, external_id) exists already; `issue` is that issue."""

    status_code = 409
    type = "duplicate_issue"

    def __init__(self, issue: Issue):
        super().__init__(
            f"Issue {issue.key} already has source {issue.source!r} and external id {issue.external_id!r}.",
            issue_id=issue.pk,
        )
        self.issue = issue


def issue_numbers_reserve(*, project: Project, count: int = 1) -> int:
    """Reserve `count` consecutive issue numbers of `project`; returns the first.

    The UPDATE row-locks the project until the surrounding transaction ends, so concurrent
    creators queue up, and a rolled-back creation gives its numbers back: no gaps."""
    Project.objects.filter(pk=project.pk).update(issue_counter=F("issue_counter") + count)
    counter = Project.objects.values_list("issue_counter", flat=True).get(pk=project.pk)
    project.issue_counter = counter
    return counter - count + 1


def issue_create(
    *,
    project: Project,
    title: str,
    body: str = "",
    status: str = IssueStatus.OPEN,
    priority: str | None = None,
    type: str | None = None,
    assignee=None,
    reporter: str = "",
    labels: Iterable = (),
    source: str = "",
    external_id: str = "",
    actor: Actor,
    create_missing_labels: bool = False,
) -> Issue:
    """Create the issue and enqueue its triage.

    `priority` and `type` left out (None) get the model's default and stay triage's to set; given
    by a person (`actor` a user), they are that person's from the start, as after an edit."""
    now = timezone.now()
    issue = Issue(
        project=project,
        title=title,
        body=body,
        status=status,
        priority=IssuePriority.MEDIUM if priority is None else priority,
        type=IssueType.BUG if type is None else type,
        **creator_owned({"priority": priority, "type": type}, actor),
        assignee=assignee,
        reporter=reporter,
        source=source,
        external_id=external_id,
        resolved_at=now if status in FINISHED_STATUSES else None,
        triage_state_changed_at=now,
    )
    require_user_or_none(assignee, "assignee")
    validate_fields(issue, ["title", "body", "status", "priority", "type", "reporter", "source", "external_id"])
    labels = list(labels)
    try:
        with transaction.atomic():
            label_rows = labels_resolve(project=project, labels=labels, create_missing=create_missing_labels)
            issue.number = issue_numbers_reserve(project=project)
            issue.save(force_insert=True)
            if label_rows:
                issue.labels.set(label_rows)
            activity_record(
                actor=actor,
                field="created",
                old=None,
                new={"key": issue.key, "title": issue.title},
                issue=issue,
            )
            TRIAGE.enqueue(issue.pk)
    except IntegrityError:
        existing = _existing_external(source, external_id)
        if existing is None:
            raise
        raise DuplicateIssueError(existing)
    return issue


def creator_owned(given: dict, actor: Actor) -> dict:
    """The `<field>_set_by_human` flags of an issue being created: set for each field triage also
    writes that a person gave (not None) when creating it. Automation's values stay triage's."""
    if actor.type != ActorType.USER:
        return {}
    return {f"{name}_set_by_human": True for name in HUMAN_OWNED_FIELDS if given.get(name) is not None}


def _existing_external(source: str, external_id: str) -> Issue | None:
    if not external_id:
        return None
    return Issue.objects.select_related("project").filter(source=source, external_id=external_id).first()


def issue_update(*, issue: Issue, version: int | None, actor: Actor, create_missing_labels: bool = False, **changes):
    """Apply `changes` if `version` is current (None: whatever is current, for automation).

    A conditional UPDATE on `version` decides the race between concurrent writers: exactly
    one wins, the others get `ConflictError` with the current version and change nothing."""
    reject_unknown_fields(changes, ISSUE_UPDATE_KEYS)
    if "assignee" in changes:
        require_user_or_none(changes["assignee"], "assignee")
    return versioned_write(
        Issue,
        issue.pk,
        version,
        lambda current: _issue_apply(current, changes, actor, create_missing_labels),
        related=("project", "assignee"),
    )


def _issue_apply(
    current: Issue, changes: dict, actor: Actor, create_missing_labels: bool, *, extra: dict | None = None
) -> Issue | None:
    """Write the changes on `current` unless its version moved on (then None).

    `extra`: bookkeeping columns written along (no history, no new version when alone), e.g.
    the GitHub sync state. Only activity (`is_activity`) unarchives the issue and moves
    `last_activity_at`; any change moves `updated_at`."""
    extra = extra or {}
    field_changes = {k: v for k, v in changes.items() if k in ISSUE_EDITABLE_FIELDS | ISSUE_SERVICE_FIELDS}
    candidate = candidate_with(current, field_changes)
    validate_fields(candidate, set(field_changes) - {"assignee", "duplicate_of"})
    values = {}
    history: list[tuple[str, object, object]] = []
    for field in field_changes:
        old, new = getattr(current, field), getattr(candidate, field)
        if not same_value(old, new):
            values[field] = new
            history.append((field, old, new))
    if "status" in values:
        finished_before = current.status in FINISHED_STATUSES
        finished_after = values["status"] in FINISHED_STATUSES
        if finished_after and not finished_before:
            values["resolved_at"] = timezone.now()
        elif finished_before and not finished_after:
            values["resolved_at"] = None
    if actor.type == ActorType.USER:
        for field in HUMAN_OWNED_FIELDS:
            if field in values and not getattr(current, f"{field}_set_by_human"):
                values[f"{field}_set_by_human"] = True

    new_labels = None
    if "labels" in changes:
        new_labels = labels_resolve(
            project=current.project, labels=changes["labels"] or (), create_missing=create_missing_labels
        )
        old_names = sorted(label.name for label in current.labels.all())
        new_names = sorted(label.name for label in new_labels)
        if old_names == new_names:
            new_labels = None
        else:
            history.append(("labels", old_names, new_names))

    if not values and new_labels is None:
        if not extra or all(same_value(getattr(current, key), value) for key, value in extra.items()):
            return current
        if not Issue.objects.filter(pk=current.pk, version=current.version).update(**extra):
            return None
        for key, value in extra.items():
            setattr(current, key, value)
        return current
    activity = is_activity(actor=actor, reopened=_reopens(current.status, values.get("status", current.status)))
    if activity and current.archived_at is not None:
        values["archived_at"] = None
        history.append(("archived_at", current.archived_at, None))

    now = timezone.now()
    stamps = {"updated_at": now, **({"last_activity_at": now} if activity else {})}
    written = Issue.objects.filter(pk=current.pk, version=current.version).update(
        **values, **extra, **stamps, version=current.version + 1
    )
    if written != 1:
        return None
    if new_labels is not None:
        current.labels.set(new_labels)
    Activity.objects.bulk_create(
        [activity_build(actor=actor, field=field, old=old, new=new, issue=current) for field, old, new in history]
    )
    for field, value in {**values, **extra, **stamps}.items():
        setattr(current, field, value)
    current.version += 1
    return current


def _reopens(old_status: str, new_status: str) -> bool:
    return old_status in FINISHED_STATUSES and new_status not in FINISHED_STATUSES


def issue_set_labels(
    *, issue: Issue, labels: Iterable, actor: Actor, create_missing: bool = False, version: int | None = None
) -> Issue:
    """Replace all labels of the issue at once (all names must exist unless `create_missing`)."""
    return issue_update(
        issue=issue, version=version, actor=actor, labels=list(labels), create_missing_labels=create_missing
    )


def issues_bulk_set_status(*, ids: Iterable[int], status: str, actor: Actor) -> list[Issue]:
    """Set the status of every issue in `ids`, or of none: unknown ids are an error naming them."""
    ids = list(dict.fromkeys(ids))
    if status not in IssueStatus.values:
        raise ApplicationError(
            f"Unknown status {status!r}.", type="validation_error", fields={"status": ["Not a valid choice."]}
        )
    now = timezone.now()
    with transaction.atomic():
        rows = list(Issue.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        missing = sorted(set(ids) - {row.pk for row in rows})
        if missing:
            raise ApplicationError(
                f"Unknown issue ids: {', '.join(map(str, missing))}.", type="unknown_ids", ids=missing
            )
        changing = [row for row in rows if row.status != status]
        finished = status in FINISHED_STATUSES
        # Activity (issues.services.activity.is_activity): a person's change, or a reopen by anyone.
        active = [row for row in changing if is_activity(actor=actor, reopened=_reopens(row.status, status))]
        quiet = [row for row in changing if row not in active]
        for group, activity in ((active, True), (quiet, False)):
            if not group:
                continue
            Issue.objects.filter(pk__in=[row.pk for row in group]).update(
                status=status,
                resolved_at=(
                    Case(When(status__in=FINISHED_STATUSES, then=F("resolved_at")), default=Value(now))
                    if finished
                    else None
                ),
                version=F("version") + 1,
                updated_at=now,
                **({"archived_at": None, "last_activity_at": now} if activity else {}),
            )
        history = [
            activity_build(actor=actor, field="status", old=row.status, new=status, issue=row) for row in changing
        ]
        history += [
            activity_build(actor=actor, field="archived_at", old=row.archived_at, new=None, issue=row)
            for row in active
            if row.archived_at is not None
        ]
        Activity.objects.bulk_create(history)
    return list(Issue.objects.filter(pk__in=ids).order_by("pk"))


def issue_archive(*, issue: Issue, actor: Actor) -> Issue:
    """Archive the issue (hidden from default lists); archiving an archived issue changes nothing."""
    return _set_archived(issue, actor, timezone.now())


def issue_unarchive(*, issue: Issue, actor: Actor) -> Issue:
    return _set_archived(issue, actor, None)


def _set_archived(issue: Issue, actor: Actor, archived_at) -> Issue:
    with transaction.atomic():
        rows = Issue.objects.filter(pk=issue.pk)
        rows = rows.filter(archived_at__isnull=True) if archived_at else rows.filter(archived_at__isnull=False)
        current = rows.select_for_update().first()
        if current is not None:
            old = current.archived_at
            # Unarchiving counts as activity, or the archive job would take it straight back.
            rows.update(archived_at=archived_at, **({} if archived_at else {"last_activity_at": timezone.now()}))
            activity_record(actor=actor, field="archived_at", old=old, new=archived_at, issue=current)
    return Issue.objects.select_related("project", "assignee").get(pk=issue.pk)
