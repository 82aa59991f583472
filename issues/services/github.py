"""An issue linked to a GitHub issue: GitHub's changes applied without overriding ours.

- Out of order: a delivery whose GitHub `updated_at` is older than the last one applied
  (`Issue.github_updated_at`) changes nothing (`StaleGitHubDelivery`).
- Labels: GitHub's label changes are applied as changes, never as a replacement. A `labeled` or
  `unlabeled` delivery names its label; every delivery also carries GitHub's labels, and the
  difference to the labels GitHub had at the last delivery (`Issue.github_labels`) is applied.
  So a label triage added here (not on GitHub yet) survives any delivery.
- A label a person removed on GitHub is remembered (`Issue.github_labels_removed`), so triage
  never adds it back (`issue_github_label_removed_by_person`); adding it on GitHub again forgets it.
- Status: GitHub's open/closed is applied when it disagrees with ours (an issue `in_progress`
  here stays so while open on GitHub).
- Activity: the actor decides (`issues.actors`): a person on GitHub is activity, a bot is not.
"""

from datetime import datetime

from django.db import transaction

from issues.actors import Actor
from issues.choices import FINISHED_STATUSES, IssueStatus
from issues.models import Issue, Project
from issues.services.common import versioned_write
from issues.services.issues import _issue_apply, issue_create


class StaleGitHubDelivery(Exception):
    """The delivery shows the GitHub issue older than the state already applied."""

    def __init__(self, *, delivered: datetime, applied: datetime):
        super().__init__(
            f"GitHub's issue as of {delivered.isoformat()} is older than the one applied ({applied.isoformat()})"
        )


def issue_github_label_removed_by_person(issue: Issue, name: str) -> bool:
    """Whether a person removed the label `name` from the issue on GitHub (case-insensitive):
    triage must not add it back."""
    return name.strip().lower() in {removed.lower() for removed in issue.github_labels_removed or ()}


def issue_github_create(
    *,
    project: Project,
    external_id: str,
    title: str,
    body: str,
    reporter: str,
    closed: bool,
    labels: list[str],
    updated_at: datetime | None,
    actor: Actor,
    github_repository: str = "",
    github_number: int | None = None,
) -> Issue:
    """Create the issue of a GitHub issue seen for the first time (raises DuplicateIssueError)."""
    with transaction.atomic():
        issue = issue_create(
            project=project,
            title=title,
            body=body,
            status=IssueStatus.CLOSED if closed else IssueStatus.OPEN,
            reporter=reporter,
            labels=labels,
            source="github",
            external_id=external_id,
            actor=actor,
            create_missing_labels=True,
        )
        sync = {
            "github_updated_at": updated_at,
            "github_labels": _unique(labels),
            **_link(github_repository, github_number),
        }
        Issue.objects.filter(pk=issue.pk).update(**sync)
    for key, value in sync.items():
        setattr(issue, key, value)
    return issue


def issue_github_sync(
    *,
    issue: Issue,
    title: str,
    body: str,
    closed: bool,
    labels: list[str],
    updated_at: datetime | None,
    actor: Actor,
    by_person: bool,
    label_added: str = "",
    label_removed: str = "",
    github_repository: str = "",
    github_number: int | None = None,
) -> Issue:
    """Apply one delivery of the GitHub issue to its issue here (see the module's rules).

    `labels`: GitHub's labels as the delivery shows them; `label_added`/`label_removed`: the
    label of a `labeled`/`unlabeled` delivery; `by_person`: the delivery's sender is a person.
    Raises StaleGitHubDelivery for a delivery older than the one applied."""

    def apply(current: Issue) -> Issue | None:
        if updated_at and current.github_updated_at and updated_at < current.github_updated_at:
            raise StaleGitHubDelivery(delivered=updated_at, applied=current.github_updated_at)
        github_now = {name.lower(): name for name in _unique(labels)}
        if label_added:
            github_now[label_added.lower()] = label_added
        if label_removed:
            github_now.pop(label_removed.lower(), None)
        seen = {name.lower(): name for name in current.github_labels or ()}
        added = [name for key, name in github_now.items() if key not in seen]
        removed = {key for key in seen if key not in github_now}
        if label_removed:
            removed.add(label_removed.lower())

        ours = [label.name for label in current.labels.all()]
        have = {name.lower() for name in ours}
        new_labels = [name for name in ours if name.lower() not in removed]
        new_labels += [name for name in added if name.lower() not in have]

        removed_by_person = [name for name in current.github_labels_removed or () if name.lower() not in github_now]
        if by_person:
            known = {name.lower() for name in removed_by_person}
            removed_names = {**seen, **({label_removed.lower(): label_removed} if label_removed else {})}
            removed_by_person += [removed_names[key] for key in sorted(removed) if key not in known]

        changes: dict = {"title": title, "body": body}
        if closed != (current.status in FINISHED_STATUSES):
            changes["status"] = IssueStatus.CLOSED if closed else IssueStatus.OPEN
        if sorted(new_labels) != sorted(ours):
            changes["labels"] = new_labels
        extra = {
            "github_updated_at": max(filter(None, (updated_at, current.github_updated_at)), default=None),
            "github_labels": list(github_now.values()),
            "github_labels_removed": removed_by_person or None,
            **_link(github_repository, github_number),
        }
        return _issue_apply(current, changes, actor, True, extra=extra)

    return versioned_write(Issue, issue.pk, None, apply, related=("project", "assignee"))


def _link(repository: str, number: int | None) -> dict:
    """The GitHub issue's address, which the write-back of triage uses (issues/github_sync.py)."""
    return {"github_repository": repository, "github_number": number} if repository and number else {}


def _unique(names) -> list[str]:
    """The names once each (case-insensitive), in their order."""
    return list({name.lower(): name for name in names}.values())
