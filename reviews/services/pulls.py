"""Pull requests as GitHub reports them, and the requests for their reviews."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.jobs.state import JobState
from reviews.choices import PullRequestState, ReviewMode, ReviewTrigger
from reviews.github.users import is_bot
from reviews.jobs import REVIEW
from reviews.models import PullRequest, Review
from reviews.repo_config import EffectiveSettings, effective_settings
from reviews.selectors import project_for_repository


class NotReviewed(Exception):
    """A review was not requested; the message says why (the delivery records it).
    `by_settings`: the repository's settings said no (its `.triage-desk.yml` may say yes)."""

    def __init__(self, message: str, *, by_settings: bool = False):
        super().__init__(message)
        self.by_settings = by_settings


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
    pull.author_is_bot = is_bot(user)
    pull.state = _state(data)
    pull.draft = bool(data.get("draft"))
    pull.base_sha = (data.get("base") or {}).get("sha", "")
    pull.base_ref = ((data.get("base") or {}).get("ref") or "")[:255]
    pull.body = data.get("body") or ""
    pull.labels = [label["name"] for label in data.get("labels") or [] if label.get("name")]
    pull.head_sha = (data.get("head") or {}).get("sha", "")
    pull.html_url = data.get("html_url") or ""
    pull.github_updated_at = updated_at
    pull.save()
    return pull


def pull_settings(pull: PullRequest, *, fetch: bool = True) -> EffectiveSettings:
    """The settings a review of the pull request obeys: the admin's, and the repository's
    `.triage-desk.yml` at the pull request's base commit (reviews/repo_config.py)."""
    return effective_settings(pull.project, pull.repository, commit=pull.base_sha, fetch=fetch)


def state_blocker(pull: PullRequest) -> str | None:
    """Why the pull request itself is not to be reviewed (whatever the settings), or None."""
    if pull.project is None:
        return f"repository {pull.repository} is not linked to a project"
    if pull.state != PullRequestState.OPEN:
        return f"pull request is {pull.state}"
    if pull.author_is_bot:
        return f"author {pull.author} is a bot"
    return None


def settings_blocker(pull: PullRequest, found: EffectiveSettings, *, forced: bool = False) -> str | None:
    """Why the repository's settings say no to reviewing this pull request, or None. A `/review`
    command or a staff re-run passes the draft and ignore rules, not `enabled`."""
    source = ".triage-desk.yml" if found.source == "file" else "the repository's settings"
    if not found.enabled:
        return f"reviews are disabled for {pull.repository} ({source})"
    if forced:
        return None
    if pull.draft and not found.drafts:
        return "pull request is a draft"
    if pull.author.lower() in {author.lower() for author in found.ignore_authors}:
        return f"author {pull.author} is ignored ({source})"
    title = pull.title.lower()
    keyword = next((word for word in found.ignore_title_keywords if word.lower() in title), None)
    if keyword is not None:
        return f"title contains {keyword!r}, ignored ({source})"
    labels = {label.lower() for label in pull.labels or ()}
    label = next((name for name in found.ignore_labels if name.lower() in labels), None)
    if label is not None:
        return f"label {label!r} is ignored ({source})"
    if pull.base_ref and pull.base_ref in found.ignore_base_branches:
        return f"base branch {pull.base_ref} is ignored ({source})"
    return None


def _supersede_older(pull: PullRequest, reason: str) -> int:
    now = timezone.now()
    return (
        Review.objects.filter(pull_request=pull, state=JobState.PENDING)
        .exclude(head_sha=pull.head_sha)
        .update(state=JobState.SKIPPED, summary=f"Skipped: {reason}", state_changed_at=now, finished_at=now)
    )


def review_request(*, pull: PullRequest, trigger: str, requested_by: str = "", full: bool = False) -> Review:
    """Ask for a review of the pull request's current head (see _review_request).

    `full=True` (`/review full`) reviews the whole diff rather than what changed since the last
    reviewed head. Decided with what is known without a request (the admin's settings, or the
    repository's file when cached); when those settings say no and the file was not read for
    this commit, the file is read (no transaction open) and decides."""
    known = pull_settings(pull, fetch=False)
    options = {"trigger": trigger, "requested_by": requested_by, "full": full}
    try:
        return _review_request(pull=pull, repo_settings=known, **options)
    except NotReviewed as reason:
        if known.known or not reason.by_settings:
            raise
    found = pull_settings(pull)
    return _review_request(pull=pull, repo_settings=found, **options)


@transaction.atomic
def _review_request(
    *, pull: PullRequest, trigger: str, requested_by: str, full: bool, repo_settings: EffectiveSettings
) -> Review:
    """Ask for a review of the pull request's current head; the job runs after the commit.

    One review row per head SHA: asking again for a head already pending or running does
    nothing, a failed or skipped one runs again, and a `/review` command or staff re-run also
    re-checks a finished one (the posted review is found by its marker and never repeated).
    A full review asked for a head reviewed incrementally runs once more, in full (a new run
    of the row: its findings not yet posted go in a review of their own).
    """
    pull = PullRequest.objects.select_for_update().get(pk=pull.pk)
    forced = trigger in (ReviewTrigger.COMMAND, ReviewTrigger.STAFF)
    _supersede_older(pull, f"superseded by {pull.head_sha[:7]}")
    blocker = state_blocker(pull)
    if blocker:
        raise NotReviewed(blocker)
    if pull.reviews_paused and not forced:
        raise NotReviewed("automatic reviews of this pull request are paused (/pause)")
    blocker = settings_blocker(pull, repo_settings, forced=forced)
    if blocker:
        raise NotReviewed(blocker, by_settings=True)
    review, created = Review.objects.get_or_create(
        pull_request=pull,
        head_sha=pull.head_sha,
        defaults={
            "trigger": trigger,
            "requested_by": requested_by,
            "full_requested": full,
            "state_changed_at": timezone.now(),
        },
    )
    if full and not created and review.state == JobState.PENDING:
        Review.objects.filter(pk=review.pk).update(full_requested=True)  # not analysed yet: it will be in full
    if created or review.state in (JobState.FAILED, JobState.SKIPPED) or (forced and review.state == JobState.DONE):
        if not created:
            changes = {"trigger": trigger, "requested_by": requested_by}
            if full:
                changes["full_requested"] = True
            if full and review.state == JobState.DONE and review.mode == ReviewMode.INCREMENTAL:
                changes.update(run=F("run") + 1, analysed_at=None, posted_at=None, github_review_id=None)
            elif forced and review.posted_at is None:
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
