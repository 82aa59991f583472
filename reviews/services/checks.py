"""The check run "Triage Desk review" of each reviewed head (GitHub App only: GitHub refuses
check runs to a plain token).

The review job's start shows it in progress (`check_run_start`; a failure there is recorded
and handed to the check's job, never raised into the review). When the review job ends, the
check's own job (reviews.sync_check_run, state in `Review.check_*`) completes it: `neutral`,
`action_required` when a finding (not dismissed) is at or above the repository's check severity:
one of this head's review, or one of an earlier head whose commented line is still in the diff
(`Review.open_earlier_ids`; a changed or removed line counts as addressed), `skipped` with
the reason, or `neutral` for a failed review. What was sent is recorded (`check_run_id`,
`check_shown`), so a repeated job sends nothing twice; the job's failures are retried and end
`failed` on the review's check fields, never on the review.
"""

import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config.jobs.errors import PermanentError, TransientError
from config.jobs.state import ERROR_MAX_CHARS, UNFINISHED_STATES, JobState
from reviews.choices import FindingOutcome
from reviews.github.app import app_configured
from reviews.jobs import CHECK
from reviews.models import Review, ReviewComment
from reviews.services.summary import SEVERITY_ORDER

logger = logging.getLogger(__name__)

CHECK_NAME = "Triage Desk review"
MAX_OUTPUT_CHARS = 65_535
IN_PROGRESS = "in_progress"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[: MAX_OUTPUT_CHARS - 1] + "…"


def fail_severity(review: Review) -> str:
    from reviews.services.pulls import pull_settings

    return pull_settings(review.pull_request).check_fail_severity or settings.REVIEW_CHECK_FAIL_SEVERITY


def check_output(review: Review) -> tuple[str, dict]:
    """What the check run should show for the review as it is now: `in_progress` or a
    conclusion, and the output (title, summary)."""
    if review.state in UNFINISHED_STATES:
        return IN_PROGRESS, {"title": "Reviewing", "summary": f"Triage Desk is reviewing `{review.head_sha[:7]}`."}
    if review.state == JobState.SKIPPED:
        return "skipped", {"title": "Not reviewed", "summary": _cut(review.summary or "Skipped.")}
    if review.state == JobState.FAILED:
        summary = f"The review failed: {review.error}\n\nStaff can re-run it from Triage Desk."
        return "neutral", {"title": "Review failed", "summary": _cut(summary)}
    threshold = fail_severity(review)
    # This head's findings, and earlier heads' still on the diff (their lines unchanged).
    findings = list(
        ReviewComment.objects.filter(Q(review=review) | Q(pk__in=review.open_earlier_ids))
        .exclude(outcome=FindingOutcome.DISMISSED)
        .values_list("severity", flat=True)
    )
    serious = sum(1 for severity in findings if SEVERITY_ORDER.get(severity, 9) <= SEVERITY_ORDER[threshold])
    title = f"{len(findings)} finding(s), {serious} at or above {threshold}" if findings else "No findings"
    return ("action_required" if serious else "neutral"), {"title": title, "summary": _cut(review.summary)}


def check_run_request(*, review_id: int, finished_only: bool = False) -> bool:
    """Queue the job that brings the review's check run in step (GitHub App mode only).
    `finished_only`: only when the review has ended (the call after each review job)."""
    if not app_configured():
        return False
    if finished_only and Review.objects.filter(pk=review_id, state__in=UNFINISHED_STATES).exists():
        return False
    return CHECK.enqueue(review_id)


def check_run_start(*, review_id: int) -> None:
    """At the review job's start: the check run shows it in progress at once (App mode only).
    Nothing is raised into the review: a failure is recorded and left to the check's own job."""
    if not app_configured():
        return
    review = Review.objects.select_related("pull_request").get(pk=review_id)
    try:
        _send(review)
    except (PermanentError, TransientError) as exc:
        logger.warning("check run of review %s not sent, left to its job: %s", review.pk, exc)
        Review.objects.filter(pk=review.pk).update(check_error=str(exc)[:ERROR_MAX_CHARS])
        CHECK.enqueue(review.pk)


def _send(review: Review) -> str:
    """Create or update the check run so it shows what the review's state calls for (nothing
    when it already does); returns that."""
    from reviews.github import GitHubClient

    shown, output = check_output(review)
    if shown == review.check_shown and review.check_run_id is not None:
        return shown
    repository = review.pull_request.repository
    client = GitHubClient.for_repository(repository)
    now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {"output": output}
    if shown == IN_PROGRESS:
        fields.update(status=IN_PROGRESS, started_at=now)
    else:
        fields.update(status="completed", conclusion=shown, completed_at=now)
    # A finished run is not reopened: a review run again gets a new check run.
    if review.check_run_id is None or shown == IN_PROGRESS:
        answer = client.create_check_run(
            repository, name=CHECK_NAME, head_sha=review.head_sha, external_id=str(review.pk), **fields
        )
    else:
        answer = client.update_check_run(repository, review.check_run_id, **fields)
    Review.objects.filter(pk=review.pk).update(check_run_id=answer["id"], check_shown=shown)
    review.check_run_id, review.check_shown = answer["id"], shown
    return shown


def check_run_sync(*, review_id: int) -> None:
    """The work of a claimed reviews.sync_check_run job."""
    review = Review.objects.select_related("pull_request").get(pk=review_id)
    shown = _send(review)
    CHECK.complete(review.pk)
    # The review may have ended while this ran (its request found this job running): look once
    # more after completing, so one of the two sends what it calls for now.
    review.refresh_from_db(fields=["state", "summary", "error"])
    if check_output(review)[0] != shown:
        CHECK.enqueue(review.pk)
