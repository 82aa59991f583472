"""Staff feedback on review comments: helpful or not."""

from django.utils import timezone

from reviews.models import ReviewComment


def review_comment_rate(*, comment: ReviewComment, helpful: bool | None, user) -> ReviewComment:
    """Record (or, with None, clear) whether a review comment helped."""
    comment.helpful = helpful
    comment.feedback_by = user if helpful is not None else None
    comment.feedback_at = timezone.now() if helpful is not None else None
    comment.save(update_fields=["helpful", "feedback_by", "feedback_at"])
    return comment
