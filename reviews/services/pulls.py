"""Pull requests as GitHub reports them, and the requests for their reviews."""

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.jobs.state import JobState
from reviews.choices import PullRequestState, ReviewTrigger
from reviews.jobs import REVIEW
from reviews.models import PullRequest, Review
from reviews.selectors import project_for_repository, repository_settings


class NotReviewed(Exception):
    """A review was not requested; the message says why (the delivery records it)."""


def _is_bot(user: dict) -> bool:
    return user.get("type") == "Bot" or user.get("login", "").endswith("[bot]")


def _state(data: dict) -> str:
    if data.get("merged") or data.get("merged_at"):
        return PullRequestState.MERGED
    return PullRequestState.CLOSED if data.get("state") == "closed" else PullRequestState.OPEN


@transaction.atomic
def pull_request_sync(*, repository: str, data: dict) -> PullRequest:
    """Create or update the pull request from a GitHub `pull_request` object.

    A delivery older than what is stored (GitHub's updated_at) changes nothing, so deliveries
    processed out of order never move the head SHA backwards.
    """
    updated_at = parse_datetime(data.get("updated_at") or "") or timezone.now()
    pull, created = PullRequest.objects.select_for_update().get_or_create(
        repository=repository, number=data["number"], defaults={"github_updated_at": updated_at}
    )
    if not created and pull.github_updated_at and updated_at < pull.github_updated_at:
        return pull
    user = data.get("user") or {}
    pull.project = project_for_repository(repository)
    pull.github_id = data.get("id")
    pull.title = (data.get("title") or "")[:500]
    pull.author = user.get("login", "")
    pull.author_is_bot = _is_bot(user)
    pull.state = _state(data)
    pull.draft = bool(data.get("draft"))
    pull.base_sha = (data.get("base") or {}).get("sha", "")
    pull.head_sha = (data.get("head") or {}).get("sha", "")
    pull.html_url = data.get("html_url") or ""
    pull.github_updated_at = updated_at
    pull.save()
    return pull


def review_blocker(pull: PullRequest, *, forced: bool = False) -> str | None:
    """Why this pull request is not to be reviewed now, or None."""
    if pull.project is None:
        return f"repository {pull.repository} is not linked to a project"
    if not repository_settings(pull.project).enabled:
        return f"reviews are disabled for {pull.repository}"
    if pull.state != PullRequestState.OPEN:
        return f"pull request is {pull.state}"
    if pull.author_is_bot:
        return f"author {pull.author} is a bot"
    if pull.draft and not forced:
        return "pull request is a draft"
    return None


def _supersede_older(pull: PullRequest, reason: str) -> int:
    now = timezone.now()
    return (
        Review.objects.filter(pull_request=pull, state=JobState.PENDING)
        .exclude(head_sha=pull.head_sha)
        .update(state=JobState.SKIPPED, summary=f"Skipped: {reason}", state_changed_at=now, finished_at=now)
    )


@transaction.atomic
def review_request(*, pull: PullRequest, trigger: str, requested_by: str = "") -> Review:
    """Ask for a review of the pull request's current head; the job runs after the commit.

    One review row per head SHA: asking again for a head already pending or running does
    nothing, a failed or skipped one runs again, and a `/review` command or staff re-run also
    re-checks a finished one (the posted review is found by its marker and never repeated).
    """
    pull = PullRequest.objects.select_for_update().get(pk=pull.pk)
    forced = trigger in (ReviewTrigger.COMMAND, ReviewTrigger.STAFF)
    _supersede_older(pull, f"superseded by {pull.head_sha[:7]}")
    blocker = review_blocker(pull, forced=forced)
    if blocker:
        raise NotReviewed(blocker)
    review, created = Review.objects.get_or_create(
        pull_request=pull,
        head_sha=pull.head_sha,
        defaults={"trigger": trigger, "requested_by": requested_by, "state_changed_at": timezone.now()},
    )
    if created or review.state in (JobState.FAILED, JobState.SKIPPED) or (forced and review.state == JobState.DONE):
        if not created:
            changes = {"trigger": trigger, "requested_by": requested_by}
            if forced and review.posted_at is None:
                changes["analysed_at"] = None  # asked for explicitly: analyse again (cached files are free)
            Review.objects.filter(pk=review.pk).update(**changes)
        REVIEW.enqueue(review.pk)
        review.refresh_from_db()
    return review


@transaction.atomic
def pull_request_close(*, pull: PullRequest) -> int:
    """A closed or merged pull request: pending reviews are skipped."""
    now = timezone.now()
    return Review.objects.filter(pull_request=pull, state=JobState.PENDING).update(
        state=JobState.SKIPPED, summary=f"Skipped: pull request is {pull.state}", state_changed_at=now, finished_at=now
    )
