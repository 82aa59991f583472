"""GitHub's ids of posted inline comments, learnt from `pull_request_review_comment` deliveries.

Creating a review answers with the review's id only. GitHub then sends one
`pull_request_review_comment` (created) delivery per inline comment, carrying the comment's
id with its review's id, path, line and body: enough to find our `ReviewComment`.
"""

from django.db.models import QuerySet

from config.jobs.errors import TransientError
from reviews.models import Review, ReviewComment
from reviews.services.review import posted_body

# GitHub may deliver the comments before the posting job has recorded the review's id.
POSTING_RETRY_S = 5


class NotOurComment(Exception):
    """The comment is not an inline comment of a Triage Desk review; says why."""


def _posted_as(comments: QuerySet, data: dict) -> ReviewComment | None:
    """The unlinked inline comment among `comments` that GitHub's comment `data` shows."""
    body = data.get("body") or ""
    candidates = comments.filter(
        inline=True, github_id__isnull=True, path=data.get("path") or "", line=data.get("line")
    )
    return next((comment for comment in candidates if posted_body(comment) == body), None)


def review_comment_link(*, repository: str, number: int, data: dict) -> ReviewComment:
    """Record `data["id"]` on the review comment GitHub's comment `data` was posted from."""
    of_repository = ReviewComment.objects.filter(review__pull_request__repository=repository)
    already = of_repository.filter(github_id=data.get("id")).first()
    if already is not None:  # a redelivery
        return already
    review = Review.objects.filter(
        github_review_id=data.get("pull_request_review_id"), pull_request__repository=repository
    ).first()
    if review is None:
        not_yet_recorded = of_repository.filter(
            review__pull_request__number=number,
            review__head_sha=data.get("commit_id") or "",
            review__github_review_id__isnull=True,
        )
        if _posted_as(not_yet_recorded, data) is not None:
            raise TransientError("the review is being posted: its id is not recorded yet", retry_after=POSTING_RETRY_S)
        raise NotOurComment(f"review {data.get('pull_request_review_id')} is not one of ours")
    match = _posted_as(review.comments.all(), data)
    if match is None:
        raise NotOurComment(f"no unlinked comment of review {review.pk} at {data.get('path')}:{data.get('line')}")
    ReviewComment.objects.filter(pk=match.pk).update(github_id=data["id"])
    match.github_id = data["id"]
    return match
