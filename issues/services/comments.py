"""Comments on issues."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from issues.actors import Actor
from issues.choices import ActorType
from issues.models import Comment, Issue
from issues.services.activity import activity_record
from issues.services.common import validate_fields


def comment_create(*, issue: Issue, body: str, actor: Actor, author_name: str = "", external_id: str = "") -> Comment:
    """Add a comment; it counts as activity and brings an archived issue back.

    A comment whose `external_id` this issue already has is not added twice: the existing
    one is returned (GitHub redeliveries, re-imports)."""
    author = actor.user if actor.type == ActorType.USER else None
    comment = Comment(
        issue=issue,
        author=author,
        author_name=author_name or ("" if author else actor.name),
        body=body,
        external_id=external_id,
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
            archived_at = Issue.objects.filter(pk=issue.pk).values_list("archived_at", flat=True).first()
            Issue.objects.filter(pk=issue.pk).update(last_activity_at=now, archived_at=None)
            if archived_at is not None:
                activity_record(actor=actor, field="archived_at", old=archived_at, new=None, issue=issue)
    except IntegrityError:
        existing = Comment.objects.filter(issue=issue, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing
    issue.last_activity_at = now
    issue.archived_at = None
    return comment
