"""Snippet reviews: code submitted through the API, reviewed by the LLM in the background."""

from django.conf import settings
from django.db import transaction

from config.api.errors import ApplicationError
from config.jobs.state import JobState
from llm import complete
from reviews.jobs import SNIPPET
from reviews.models import SnippetReview
from reviews.prompts import SnippetReviewOutput, snippet_messages
from reviews.selectors import llm_queue_backlog

BACKLOG_RETRY_AFTER_S = 30


def snippet_submit(*, user, code: str, filename: str = "", language: str = "") -> SnippetReview:
    if len(code) > settings.SNIPPET_MAX_CHARS:
        raise ApplicationError(
            f"code is {len(code)} characters; the limit is {settings.SNIPPET_MAX_CHARS}",
            type="snippet_too_large",
            max_chars=settings.SNIPPET_MAX_CHARS,
        )
    if not code.strip():
        raise ApplicationError("code is empty", type="validation_error")
    backlog = llm_queue_backlog()
    if backlog is not None and backlog > settings.SNIPPET_MAX_LLM_BACKLOG:
        raise ApplicationError(
            f"the review queue is busy ({backlog} jobs waiting); try again later",
            type="queue_busy",
            status_code=503,
            retry_after=BACKLOG_RETRY_AFTER_S,
        )
    with transaction.atomic():
        snippet = SnippetReview.objects.create(user=user, code=code, filename=filename, language=language)
        SNIPPET.enqueue(snippet.pk)
    snippet.refresh_from_db()
    return snippet


def snippet_review_run(*, snippet_id: int) -> None:
    """The work of a claimed snippet job: one LLM call, findings checked against the code's lines."""
    snippet = SnippetReview.objects.get(pk=snippet_id)
    result = complete(
        purpose="reviews.snippet",
        messages=snippet_messages(code=snippet.code, filename=snippet.filename, language=snippet.language),
        output=SnippetReviewOutput,
        subject=snippet,
    )
    line_count = len(snippet.code.splitlines())
    findings = [
        {
            "line": finding.line if 1 <= finding.line <= line_count else None,
            "severity": finding.severity,
            "message": finding.message.strip(),
        }
        for finding in result.data.findings
    ]
    SNIPPET.complete(snippet.pk, state=JobState.DONE, summary=result.data.summary.strip(), findings=findings)
