"""Reviewing one head commit of a pull request: select files, one LLM call per file, post once.

The job has two steps, each safe to repeat. Analysis saves the findings (and `analysed_at`),
so a retry after a GitHub rate limit goes straight to posting. Posting first looks for a
review carrying this head's marker, so a retried or duplicated job never posts twice.
"""

import hashlib
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from config.jobs.errors import PermanentError
from config.jobs.state import JobState
from config.ops.dbpool import release_connection
from llm import complete
from reviews.choices import ReviewTrigger, Side
from reviews.diff import FileDiff, parse_patch
from reviews.github import GitHubClient, GitHubValidationError
from reviews.jobs import REVIEW
from reviews.models import Review, ReviewComment
from reviews.prompts import FileReviewOutput, file_messages
from reviews.repo_config import EffectiveSettings
from reviews.selection import select_files
from reviews.services.checks import check_run_start
from reviews.services.outcomes import findings_refresh_outcomes
from reviews.services.pulls import pull_settings, settings_blocker, state_blocker
from reviews.services.summary import SEVERITY_ORDER, marker, summary_body

logger = logging.getLogger(__name__)

MAX_FINDINGS_PER_FILE = 10
# GitHub documents no cap on comments per review, but large batches fail in practice.
MAX_INLINE_COMMENTS = 30


def fingerprint(*, path: str, anchor: str, category: str, message: str) -> str:
    """The same finding on the same code: path, the commented line's text, category, message."""
    normal = re.sub(r"\s+", " ", message.strip().lower())
    raw = "\n".join((path, anchor.strip(), category, normal))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _review_file(review: Review, entry: dict, diff: FileDiff) -> FileReviewOutput:
    result = complete(
        purpose="reviews.file",
        messages=file_messages(path=entry["filename"], numbered_diff=diff.numbered()),
        output=FileReviewOutput,
        subject=review,
    )
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


def _review_files(review: Review, files: list[dict]) -> list[tuple[dict, FileDiff, FileReviewOutput]]:
    diffs = [(entry, parse_patch(entry["patch"])) for entry in files]
    if settings.REVIEW_FILE_CONCURRENCY <= 1 or len(diffs) <= 1:
        return [(entry, diff, _review_file(review, entry, diff)) for entry, diff in diffs]
    pool = _file_pool()
    release_connection()  # this thread only waits for the others, which need connections
    futures = [pool.submit(_in_pool_thread, _review_file, review, entry, diff) for entry, diff in diffs]
    wait(futures)
    errors = [future.exception() for future in futures if future.exception() is not None]
    # Files that did finish are in the LLM cache: a retry pays only for the others.
    permanent = [error for error in errors if isinstance(error, PermanentError)]
    if permanent or errors:
        raise (permanent or errors)[0]
    return [(entry, diff, future.result()) for (entry, diff), future in zip(diffs, futures, strict=True)]


def _comments_from(review: Review, results, already_posted: set[str]) -> list[ReviewComment]:
    comments = []
    for entry, diff, output in results:
        path, right = entry["filename"], diff.right_lines
        seen = set()
        for finding in output.findings[:MAX_FINDINGS_PER_FILE]:
            on_diff = finding.line in right
            mark = fingerprint(
                path=path,
                anchor=right[finding.line] if on_diff else f"line {finding.line}",
                category=finding.category,
                message=finding.message,
            )
            if mark in seen or mark in already_posted:
                continue
            seen.add(mark)
            comments.append(
                ReviewComment(
                    review=review,
                    path=path,
                    line=finding.line if finding.line > 0 else None,
                    side=Side.RIGHT,
                    body=finding.message.strip()[:5000],
                    severity=finding.severity,
                    category=finding.category,
                    fingerprint=mark,
                    inline=on_diff,
                )
            )
    inline = sorted((c for c in comments if c.inline), key=lambda c: SEVERITY_ORDER.get(c.severity, 9))
    for comment in inline[MAX_INLINE_COMMENTS:]:
        comment.inline = False
    return comments


def review_analyse(*, review: Review, repo_settings: EffectiveSettings | None = None) -> None:
    """Fetch the changed files, review the selected ones, save findings and the summary."""
    pull = review.pull_request
    repo_settings = repo_settings or pull_settings(pull)
    entries = GitHubClient.for_repository(pull.repository).list_pull_files(pull.repository, pull.number)
    selection = select_files(
        entries,
        include_globs=repo_settings.include,
        ignore_globs=repo_settings.exclude,
        max_files=repo_settings.max_files,
        max_patch_chars=settings.REVIEW_MAX_PATCH_CHARS,
    )
    results = _review_files(review, selection.files)
    already_posted = set(
        ReviewComment.objects.filter(review__pull_request=pull, review__posted_at__isnull=False, inline=True)
        .exclude(review=review)
        .values_list("fingerprint", flat=True)
    )
    comments = _comments_from(review, results, already_posted)
    review.files_reviewed = len(selection.files)
    review.files_skipped = len(selection.skipped)
    review.skipped_files = selection.skipped
    review.config_error = repo_settings.config_error
    review.file_summaries = [
        {"path": entry["filename"], "summary": output.summary.strip()[:300]} for entry, _diff, output in results
    ]
    with transaction.atomic():
        ReviewComment.objects.filter(review=review).delete()
        ReviewComment.objects.bulk_create(comments)
        _save_summary(review, comments, analysed_at=timezone.now())


def _save_summary(review: Review, comments: list[ReviewComment], **values) -> None:
    review.summary = summary_body(review=review, comments=comments)
    review.inline_comments = sum(1 for comment in comments if comment.inline)
    review.summary_comments = len(comments) - review.inline_comments
    Review.objects.filter(pk=review.pk).update(
        summary=review.summary,
        inline_comments=review.inline_comments,
        summary_comments=review.summary_comments,
        files_reviewed=review.files_reviewed,
        files_skipped=review.files_skipped,
        skipped_files=review.skipped_files,
        file_summaries=review.file_summaries,
        config_error=review.config_error,
        **values,
    )


def posted_body(comment: ReviewComment) -> str:
    """The text of an inline comment as it is posted to GitHub."""
    return f"**{comment.severity.upper()}**: {comment.body}"


def _as_github(comment: ReviewComment) -> dict:
    return {"path": comment.path, "line": comment.line, "side": comment.side, "body": posted_body(comment)}


def review_post(*, review: Review) -> None:
    """Post the review once: a review whose body has this head's marker means it is posted."""
    pull = review.pull_request
    client = GitHubClient.for_repository(pull.repository)
    head_marker = marker(review.head_sha)
    for existing in client.list_reviews(pull.repository, pull.number):
        if head_marker in (existing.get("body") or ""):
            REVIEW.complete(review.pk, github_review_id=existing["id"], posted_at=timezone.now())
            return
    comments = list(review.comments.all())
    inline = [comment for comment in comments if comment.inline]
    try:
        posted = client.create_review(
            pull.repository,
            pull.number,
            commit_id=review.head_sha,
            body=review.summary,
            comments=[_as_github(comment) for comment in inline],
        )
    except GitHubValidationError as exc:
        if not inline:
            raise
        # GitHub does not say which comment it refused: all go to the summary, and the
        # review is posted without inline comments.
        logger.warning("GitHub refused the inline comments of review %s: %s", review.pk, exc)
        with transaction.atomic():
            ReviewComment.objects.filter(review=review, inline=True).update(inline=False)
            for comment in comments:
                comment.inline = False
            _save_summary(review, comments)
        posted = client.create_review(
            pull.repository, pull.number, commit_id=review.head_sha, body=review.summary, comments=[]
        )
    REVIEW.complete(review.pk, github_review_id=posted["id"], posted_at=timezone.now())


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


def review_run(*, review_id: int) -> None:
    """The work of a claimed review job; raises TransientError to be retried."""
    review = Review.objects.select_related("pull_request__project").get(pk=review_id)
    check_run_start(review_id=review.pk)  # the check run in progress (GitHub App only; never raises)
    findings_refresh_outcomes(pull=review.pull_request, best_effort=True)  # reactions, before posting
    reason, repo_settings = _blocker(review)
    if reason is None and review.analysed_at is None:
        review_analyse(review=review, repo_settings=repo_settings)
        review.refresh_from_db()
        reason, _settings = _blocker(review)  # the analysis takes a while: a newer head may have arrived
    if reason is None and review.files_reviewed == 0 and review.posted_at is None:
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
