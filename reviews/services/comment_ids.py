"""GitHub's ids of posted inline comments, learnt from `pull_request_review_comment` deliveries.

Creating a review answers with the review's id only. GitHub then sends one
`pull_request_review_comment` (created) delivery per inline comment, carrying the comment's
id with its review's id, path, line and body: enough to find our `ReviewComment`.
"""

from config.errors import TransientError
from config.jobs import JobState
from reviews.models import Review, ReviewComment
from reviews.services.review import posted_body

# GitHub may deliver the comments before the review's id is recorded by the posting job.
POSTING_RETRY_S = 5


class NotOurComment(Exception):
    """The comment is not an unlinked inline comment of a Triage Desk review; says why."""


def review_comment_link(*, repository: str, number: int, data: dict) -> ReviewComment:
    """Record `data["id"]` on the review comment GitHub's comment `data` was posted from."""
    review = Review.objects.filter(
        github_review_id=data.get("pull_request_review_id"), pull_request__repository=repository
    ).first()
    if review is None:
        posting = Review.objects.filter(
            pull_request__repository=repository,
            pull_request__number=number,
            head_sha=data.get("commit_id") or "",
            state=JobState.RUNNING,
            github_review_id__isnull=True,
        )
        if posting.exists():
            raise TransientError("the review is being posted: its id is not recorded yet", retry_after=POSTING_RETRY_S)
        raise NotOurComment(f"review {data.get('pull_request_review_id')} is not one of ours")
    comments = review.comments.filter(inline=True, path=data.get("path") or "", line=data.get("line"))
    linked = comments.filter(github_id=data.get("id")).first()
    if linked is not None:
        return linked
    body = data.get("body") or ""
    match = next((comment for comment in comments.filter(github_id__isnull=True) if posted_body(comment) == body), None)
    if match is None:
        raise NotOurComment(f"no unlinked comment of review {review.pk} at {data.get('path')}:{data.get('line')}")
    ReviewComment.objects.filter(pk=match.pk).update(github_id=data["id"])
    match.github_id = data["id"]
    return match
