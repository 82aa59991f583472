"""Reviewing one head commit of a pull request: what to review, LLM calls in chunks, post once.

The job has two steps, each safe to repeat. Analysis saves the findings (and `analysed_at`),
so a retry after a GitHub rate limit goes straight to posting. Posting first looks for a
review carrying this head's marker, so a retried or duplicated job never posts twice; the
pull request's one summary is then edited in place (only when its text changed).

What is reviewed (reviews/services/scope.py): the whole diff the first time, on `/review full`,
and after a force-push lost the last reviewed head; otherwise only the hunks a push changed.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from config.jobs.errors import PermanentError
from config.jobs.state import JobState
from config.ops.dbpool import release_connection
from llm import complete
from reviews.choices import FindingOutcome, ReviewMode, ReviewTrigger
from reviews.github import GitHubClient, GitHubValidationError
from reviews.jobs import REVIEW
from reviews.models import PullRequest, Review, ReviewComment
from reviews.prompts import FileReviewOutput
from reviews.repo_config import EffectiveSettings
from reviews.selection import select_files
from reviews.services.checks import check_run_start
from reviews.services.findings import (
    ChunkResult,
    as_github,
    comments_from,
    fingerprint,
    not_to_post,
    posted_body,
    still_open,
)
from reviews.services.outcomes import findings_refresh_outcomes
from reviews.services.pulls import pull_settings, settings_blocker, state_blocker
from reviews.services.scope import LEFT_OUT_REASONS, CallPlan, plan_calls, review_scope
from reviews.services.summary import SUMMARY_MARKER, findings_body, marker, summary_body

__all__ = ["fingerprint", "posted_body", "review_analyse", "review_post", "review_rerun", "review_run"]

logger = logging.getLogger(__name__)


def _review_chunk(review: Review, plan: CallPlan) -> FileReviewOutput:
    result = complete(purpose="reviews.file", messages=plan.messages, output=FileReviewOutput, subject=review)
    return result.data


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _file_pool() -> ThreadPoolExecutor:
    """One pool per worker process, made on first use (after the fork), so its threads and
    their database connections are reused from one review to the next."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.REVIEW_FILE_CONCURRENCY, thread_name_prefix="review-file")
        return _pool


def _in_pool_thread(fn, *args):
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()  # gives the connection back (to the pool, or closes it past CONN_MAX_AGE)


def _review_chunks(review: Review, plans: list[CallPlan]) -> list[ChunkResult]:
    if settings.REVIEW_FILE_CONCURRENCY <= 1 or len(plans) <= 1:
        outputs = [_review_chunk(review, plan) for plan in plans]
    else:
        pool = _file_pool()
        release_connection()  # this thread only waits for the others, which need connections
        futures = [pool.submit(_in_pool_thread, _review_chunk, review, plan) for plan in plans]
        wait(futures)
        errors = [future.exception() for future in futures if future.exception() is not None]
        # Chunks that did finish are in the LLM cache: a retry pays only for the others.
        permanent = [error for error in errors if isinstance(error, PermanentError)]
        if permanent or errors:
            raise (permanent or errors)[0]
        outputs = [future.result() for future in futures]
    return [
        ChunkResult(path=plan.chunk.path, diff=plan.diff, shown_lines=plan.chunk.right_lines, output=output)
        for plan, output in zip(plans, outputs, strict=True)
    ]


def _file_summaries(review: Review, results: list[ChunkResult], earlier: list[dict], paths: set[str]) -> list[dict]:
    """One line per file of the pull request: this review's, else the latest earlier one."""
    latest = {item["path"]: item for item in earlier if item["path"] in paths}
    for result in results:
        text = result.output.summary.strip()[:300]
        if result.path in latest and latest[result.path].get("head") == review.head_sha:
            continue  # the file's first chunk speaks for it
        latest[result.path] = {"path": result.path, "summary": text, "head": review.head_sha}
    return sorted(latest.values(), key=lambda item: item["path"])


def review_analyse(*, review: Review, repo_settings: EffectiveSettings | None = None) -> None:
    """Decide the scope (full or incremental), review it in chunks within the token budget,
    save the findings and the summary."""
    pull = review.pull_request
    repo_settings = repo_settings or pull_settings(pull)
    client = GitHubClient.for_repository(pull.repository)
    entries = client.list_pull_files(pull.repository, pull.number)
    selection = select_files(
        entries,
        include_globs=repo_settings.include,
        ignore_globs=repo_settings.exclude,
        max_files=repo_settings.max_files,
    )
    scope = review_scope(review=review, pull=pull, client=client)
    plan = plan_calls(pull=pull, files=selection.files, scope=scope, repo_settings=repo_settings)
    results = _review_chunks(review, plan.calls)
    comments = comments_from(review, results, not_again=not_to_post(pull), threshold=repo_settings.severity_threshold)
    previous = scope.previous_review
    paths = {entry["filename"] for entry in entries}
    review.mode = scope.mode
    review.mode_note = scope.note[:300]
    review.compared_to_sha = scope.compared_to
    review.files_reviewed = len({result.path for result in results})
    review.skipped_files = selection.skipped + plan.left_out + scope.carried_left_out(paths)
    review.files_skipped = len({item["path"] for item in review.skipped_files})
    review.config_error = repo_settings.config_error
    review.file_summaries = _file_summaries(review, results, previous.file_summaries if previous else [], paths)
    review.open_earlier_ids = still_open(pull, review, entries)
    with transaction.atomic():
        ReviewComment.objects.filter(review=review, posted=False).delete()
        ReviewComment.objects.bulk_create(comments)
        _save_summary(review, analysed_at=timezone.now())


def _owner_marker(pull: PullRequest, review: Review) -> str | None:
    """The marker the summary keeps: its posting review's (None: `review` posts it now)."""
    if pull.summary_review_id is None or pull.summary_review_id == review.github_review_id:
        return None
    owner = Review.objects.filter(pull_request=pull, github_review_id=pull.summary_review_id).first()
    return marker(owner.head_sha, owner.run) if owner else ""


def _render_summary(review: Review) -> str:
    pull = PullRequest.objects.get(pk=review.pull_request_id)
    comments = list(review.comments.all())
    own = {comment.fingerprint for comment in comments}
    earlier, seen = [], set(own)
    dismissed = set(
        ReviewComment.objects.filter(review__pull_request=pull, outcome=FindingOutcome.DISMISSED).values_list(
            "fingerprint", flat=True
        )
    )
    listed = (
        ReviewComment.objects.filter(review__pull_request=pull, posted=True, inline=False)
        .exclude(review=review)
        .order_by("-review__created_at", "path", "line", "id")
    )
    for comment in listed:
        if comment.fingerprint not in seen and comment.fingerprint not in dismissed:
            seen.add(comment.fingerprint)
            earlier.append(comment)
    history = [
        item if item.pk != review.pk else review
        for item in Review.objects.filter(pull_request=pull)
        .filter(Q(state=JobState.DONE) | Q(pk=review.pk))
        .order_by("created_at", "id")
    ]
    return summary_body(
        review=review,
        comments=[comment for comment in comments if comment.fingerprint not in dismissed],
        history=history,
        earlier_findings=earlier,
        owner_marker=_owner_marker(pull, review),
    )


def _save_summary(review: Review, **values) -> None:
    comments = list(review.comments.filter(posted=False))
    review.inline_comments = sum(1 for comment in comments if comment.inline)
    review.summary_comments = len(comments) - review.inline_comments
    review.summary = _render_summary(review)
    Review.objects.filter(pk=review.pk).update(
        summary=review.summary,
        inline_comments=review.inline_comments,
        summary_comments=review.summary_comments,
        files_reviewed=review.files_reviewed,
        files_skipped=review.files_skipped,
        skipped_files=review.skipped_files,
        file_summaries=review.file_summaries,
        config_error=review.config_error,
        mode=review.mode,
        mode_note=review.mode_note,
        compared_to_sha=review.compared_to_sha,
        open_earlier_ids=review.open_earlier_ids,
        **values,
    )


def _find_posted(client: GitHubClient, pull: PullRequest, review: Review) -> dict | None:
    """The review an earlier attempt of this job posted (it carries this head's marker)."""
    head_marker = marker(review.head_sha, review.run)
    return next(
        (item for item in client.list_reviews(pull.repository, pull.number) if head_marker in (item.get("body") or "")),
        None,
    )


def _create(client: GitHubClient, pull: PullRequest, review: Review, inline: list[ReviewComment]) -> dict | None:
    """Post the review: the summary with the inline comments the first time, later only the new
    inline comments under a short body. GitHub refusing an inline comment (422; it does not say
    which) moves them all to the summary. None: nothing left to post."""
    owns_summary = pull.summary_review_id is None

    def body() -> str:
        return review.summary if owns_summary else findings_body(review=review, count=len(inline))

    try:
        return client.create_review(
            pull.repository,
            pull.number,
            commit_id=review.head_sha,
            body=body(),
            comments=[as_github(comment) for comment in inline],
        )
    except GitHubValidationError as exc:
        if not inline:
            raise
        logger.warning("GitHub refused the inline comments of review %s: %s", review.pk, exc)
    with transaction.atomic():
        ReviewComment.objects.filter(review=review, posted=False, inline=True).update(inline=False)
        _save_summary(review)
    if not owns_summary:
        return None  # the findings are listed in the summary, edited below
    return client.create_review(pull.repository, pull.number, commit_id=review.head_sha, body=body(), comments=[])


def review_post(*, review: Review) -> None:
    """Post what is new once (found again by its marker on a retry), then bring the pull
    request's summary up to date; record the head as reviewed."""
    pull = PullRequest.objects.get(pk=review.pull_request_id)
    client = GitHubClient.for_repository(pull.repository)
    inline = [comment for comment in review.comments.filter(posted=False) if comment.inline]
    values = {}
    if review.github_review_id is None and (pull.summary_review_id is None or inline):
        posted = _find_posted(client, pull, review) or _create(client, pull, review, inline)
        if posted is not None:
            values.update(github_review_id=posted["id"], posted_at=timezone.now())
            review.github_review_id = posted["id"]
            if SUMMARY_MARKER in (posted.get("body") or ""):
                pull.summary_review_id, pull.summary_body = posted["id"], posted.get("body") or ""
                PullRequest.objects.filter(pk=pull.pk).update(
                    summary_review_id=pull.summary_review_id, summary_body=pull.summary_body
                )
            Review.objects.filter(pk=review.pk).update(**values)
    review.summary = _render_summary(review)
    if pull.summary_review_id is not None and review.summary != pull.summary_body:
        client.update_review(pull.repository, pull.number, pull.summary_review_id, body=review.summary)
        values["summary_updated_at"] = timezone.now()
        PullRequest.objects.filter(pk=pull.pk).update(summary_body=review.summary)
    with transaction.atomic():
        ReviewComment.objects.filter(review=review, posted=False).update(posted=True)
        PullRequest.objects.filter(pk=pull.pk).update(reviewed_head_sha=review.head_sha)
        REVIEW.complete(review.pk, summary=review.summary, **values)


def _blocker(review: Review) -> tuple[str | None, EffectiveSettings | None]:
    """Why the review is not to go on, or None; and the settings it obeys (the repository's
    file read, or taken from the cache, for the pull request's base commit)."""
    pull = review.pull_request
    pull.refresh_from_db()
    if pull.head_sha != review.head_sha:
        return f"superseded by {pull.head_sha[:7]}", None
    reason = state_blocker(pull)
    if reason:
        return reason, None
    repo_settings = pull_settings(pull)
    forced = review.trigger in (ReviewTrigger.COMMAND, ReviewTrigger.STAFF)
    return settings_blocker(pull, repo_settings, forced=forced), repo_settings


def _nothing_to_post(review: Review) -> bool:
    """A first review that reviewed no file and left none out for its size: nothing to say."""
    return (
        review.files_reviewed == 0
        and review.posted_at is None
        and review.mode == ReviewMode.FULL
        and review.pull_request.summary_review_id is None
        and not any(item["reason"] in LEFT_OUT_REASONS for item in review.skipped_files)
    )


def review_run(*, review_id: int) -> None:
    """The work of a claimed review job; raises TransientError to be retried."""
    review = Review.objects.select_related("pull_request__project").get(pk=review_id)
    check_run_start(review_id=review.pk)  # the check run in progress (GitHub App only; never raises)
    reason, repo_settings = _blocker(review)
    if reason is None:  # a review going on: the reactions first (dismissed findings are not posted)
        findings_refresh_outcomes(pull=review.pull_request, best_effort=True)
    if reason is None and review.analysed_at is None:
        review_analyse(review=review, repo_settings=repo_settings)
        review.refresh_from_db()
        reason, _settings = _blocker(review)  # the analysis takes a while: a newer head may have arrived
    if reason is None and _nothing_to_post(review):
        reason = f"no reviewable files ({review.files_skipped} skipped: lock, binary, vendored, ignored, ...)"
    if reason:
        REVIEW.complete(review.pk, state=JobState.SKIPPED, summary=f"Skipped: {reason}")
        return
    review_post(review=review)


@transaction.atomic
def review_rerun(*, review: Review) -> bool:
    """Staff re-run: analyse again (unless already posted) and post if not yet posted."""
    if review.posted_at is None:
        Review.objects.filter(pk=review.pk).update(analysed_at=None)
    Review.objects.filter(pk=review.pk).update(trigger=ReviewTrigger.STAFF)
    return REVIEW.enqueue(review.pk)
