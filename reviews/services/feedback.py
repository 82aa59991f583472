"""Staff feedback on review comments: helpful or not."""

from django.utils import timezone

from reviews.choices import FindingOutcome, OutcomeSource
from reviews.models import ReviewComment


def review_comment_rate(*, comment: ReviewComment, helpful: bool | None, user) -> ReviewComment:
    """Record (or, with None, clear) whether a review comment helped.

    The rating is also the finding's outcome (source "staff": helpful, or dismissed for not
    helpful), which nothing on GitHub changes afterwards; clearing it clears an outcome staff set
    (reactions read next time may set one again)."""
    now = timezone.now()
    comment.helpful = helpful
    comment.feedback_by = user if helpful is not None else None
    comment.feedback_at = now if helpful is not None else None
    fields = ["helpful", "feedback_by", "feedback_at"]
    if helpful is not None:
        comment.outcome = FindingOutcome.HELPFUL if helpful else FindingOutcome.DISMISSED
        comment.outcome_source, comment.outcome_at = OutcomeSource.STAFF, now
        fields += ["outcome", "outcome_source", "outcome_at"]
    elif comment.outcome_source == OutcomeSource.STAFF:
        comment.outcome, comment.outcome_source, comment.outcome_at = FindingOutcome.NONE, "", None
        fields += ["outcome", "outcome_source", "outcome_at"]
    comment.save(update_fields=fields)
    return comment
