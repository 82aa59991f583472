"""Comments on issues."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from issues.actors import Actor
from issues.choices import ActorType
from issues.models import Comment, Issue
from issues.services.activity import activity_record, is_activity
from issues.services.common import validate_fields


def comment_create(
    *,
    issue: Issue,
    body: str,
    actor: Actor,
    author_name: str = "",
    external_id: str = "",
    source_updated_at: datetime | None = None,
) -> Comment:
    """Add a comment; a person's comment counts as activity and brings an archived issue back
    (`is_activity`: automation's comments do neither).

    A comment whose `external_id` this issue already has is not added twice: the existing
    one is returned (GitHub redeliveries, re-imports)."""
    author = actor.user if actor.type == ActorType.USER else None
    comment = Comment(
        issue=issue,
        author=author,
        author_name=author_name or ("" if author else actor.name),
        body=body,
        external_id=external_id,
        github_updated_at=source_updated_at,
    )
    validate_fields(comment, ["body", "author_name", "external_id"])
    if external_id:
        existing = Comment.objects.filter(issue=issue, external_id=external_id).first()
        if existing is not None:
            return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            comment.save(force_insert=True)
            if is_activity(actor=actor):
                _touch(issue, actor, now)
    except IntegrityError:
        existing = Comment.objects.filter(issue=issue, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing
    return comment


def comment_update_from_source(
    *, issue: Issue, external_id: str, body: str, actor: Actor, author_name: str = "", source_updated_at: datetime
) -> tuple[Comment, bool]:
    """Mirror an edit made in the comment's source system (GitHub): (comment, changed).

    An edit older than the one applied last changes nothing (deliveries arrive out of order);
    a comment not seen before is added with the edited text. A person's edit is activity."""
    comment = Comment.objects.filter(issue=issue, external_id=external_id).first()
    if comment is None:
        return (
            comment_create(
                issue=issue,
                body=body,
                actor=actor,
                author_name=author_name,
                external_id=external_id,
                source_updated_at=source_updated_at,
            ),
            True,
        )
    if comment.github_updated_at and source_updated_at < comment.github_updated_at:
        return comment, False
    changed = comment.body != body
    comment.body = body
    validate_fields(comment, ["body"])
    now = timezone.now()
    with transaction.atomic():
        # Conditional on the time applied, so two edits processed at once leave the newer one.
        written = Comment.objects.filter(pk=comment.pk, github_updated_at=comment.github_updated_at).update(
            body=body, github_updated_at=source_updated_at, updated_at=now
        )
        if written and changed and is_activity(actor=actor):
            _touch(issue, actor, now)
    if not written:
        comment.refresh_from_db()
        return comment, False
    comment.github_updated_at = source_updated_at
    return comment, changed


def comment_delete_from_source(*, issue: Issue, external_id: str) -> bool:
    """Mirror a comment deleted in its source system; False when there was none."""
    return Comment.objects.filter(issue=issue, external_id=external_id).delete()[0] > 0


def _touch(issue: Issue, actor: Actor, now) -> None:
    """Activity on the issue: restart its archiving clock and bring it back from the archive."""
    archived_at = Issue.objects.filter(pk=issue.pk).values_list("archived_at", flat=True).first()
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=now, archived_at=None)
    if archived_at is not None:
        activity_record(actor=actor, field="archived_at", old=archived_at, new=None, issue=issue)
    issue.last_activity_at = now
    issue.archived_at = None
