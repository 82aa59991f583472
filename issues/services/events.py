"""Issues ingested from other systems (POST /api/events/), idempotent on (source, id)."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from config.api.errors import ApplicationError
from issues.actors import Actor
from issues.models import Issue, Project
from issues.services.issues import DuplicateIssueError, issue_create

# Issues with these sources are created by the webhook only (reviews/services/handlers.py): an
# event must not plant an issue that a later GitHub delivery would then update.
RESERVED_SOURCES = frozenset({"github"})

TITLE_MAX = Issue._meta.get_field("title").max_length
REPORTER_MAX = Issue._meta.get_field("reporter").max_length


@dataclass(frozen=True)
class EventOutcome:
    issue: Issue
    created: bool


def event_normalise_source(source: str) -> str:
    return re.sub(r"\s+", "-", source.strip().lower())


def event_normalise_title(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip()
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def event_ingest(
    *,
    project: Project,
    source: str,
    external_id: str,
    title: str,
    description: str = "",
    author: str = "",
    created_at: datetime | None = None,
    actor: Actor,
) -> EventOutcome:
    """Create the issue for an outside event once; the same (source, id) again returns it unchanged.

    The event's `createdAt` becomes the issue's `created_at` (when in the past), so resolution
    times count from when the issue really began; `last_activity_at` stays now."""
    source = event_normalise_source(source)
    if source in RESERVED_SOURCES:
        raise ApplicationError(
            f"The source {source!r} is reserved for the GitHub webhook; name your system instead.",
            type="reserved_source",
        )
    external_id = external_id.strip()
    existing = Issue.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return EventOutcome(existing, created=False)
    try:
        issue = issue_create(
            project=project,
            title=event_normalise_title(title),
            body=description.strip(),
            reporter=author.strip()[:REPORTER_MAX],
            source=source,
            external_id=external_id,
            actor=actor,
        )
    except DuplicateIssueError as duplicate:
        return EventOutcome(duplicate.issue, created=False)
    if created_at is not None and created_at < timezone.now():
        Issue.objects.filter(pk=issue.pk).update(created_at=created_at)
        issue.created_at = created_at
    return EventOutcome(issue, created=True)
