"""From the LLM's findings to review comments: where each is posted (inline on a RIGHT line of
the diff, with a suggestion block when its range allows, or in the summary), and which are
never posted (already posted on the pull request, or dismissed there)."""

import hashlib
import re
from dataclasses import dataclass

from reviews.choices import FindingOutcome, Severity, Side
from reviews.diff import FileDiff, parse_patch
from reviews.models import PullRequest, Review, ReviewComment
from reviews.prompts import FileFinding, FileReviewOutput

MAX_FINDINGS_PER_CALL = 10
# GitHub documents no cap on comments per review, but large batches fail in practice.
MAX_INLINE_COMMENTS = 30
MAX_SUGGESTION_CHARS = 5000
# Severities from the least to the most severe, as reviews/choices.py declares them.
SEVERITY_RANK = {value: rank for rank, value in enumerate(Severity.values)}


@dataclass
class ChunkResult:
    """One LLM call's answer with what it was shown: the chunk's lines and the file's whole diff."""

    path: str
    diff: FileDiff  # the file's whole pull-request diff at the head
    shown_lines: dict[int, str]  # the RIGHT lines of the hunks the call was shown
    output: FileReviewOutput


def fingerprint(*, path: str, anchor: str, category: str, message: str) -> str:
    """The same finding on the same code: path, the commented line's text (whitespace aside, so
    a reformatted line keeps it), category, and message (case and spacing aside)."""
    normal = re.sub(r"\s+", " ", message.strip().lower())
    raw = "\n".join((path, _bare(anchor), category, normal))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def not_to_post(pull: PullRequest) -> set[str]:
    """Fingerprints never posted again on the pull request: posted (inline, or listed in the
    summary, which keeps listing them), or dismissed."""
    comments = ReviewComment.objects.filter(review__pull_request=pull)
    posted = comments.filter(posted=True).values_list("fingerprint", flat=True)
    dismissed = comments.filter(outcome=FindingOutcome.DISMISSED).values_list("fingerprint", flat=True)
    return set(posted) | set(dismissed)


def suggestion_start(finding: FileFinding, diff: FileDiff) -> int | None:
    """The first line of the finding's suggestion when it can be posted as a suggestion block:
    lines start_line..line all on the RIGHT side of one hunk of the diff. None otherwise."""
    if not (finding.suggestion or "").strip() or len(finding.suggestion) > MAX_SUGGESTION_CHARS:
        return None  # an empty replacement (deleting the lines) is left to the prose
    start = finding.start_line or finding.line
    if start > finding.line or start < 1:
        return None
    hunk = diff.hunk_of(finding.line)
    if hunk is None:
        return None
    right = {line.new_line: line.text for line in hunk.lines if line.new_line is not None}
    lines = range(start, finding.line + 1)
    if not all(number in right for number in lines):
        return None
    unchanged = "\n".join(right[number] for number in lines) == finding.suggestion.rstrip("\n")
    return None if unchanged else start


def comments_from(
    review: Review, results: list[ChunkResult], *, not_again: set[str], threshold: str | None
) -> list[ReviewComment]:
    """Comments for the findings not posted before: inline when on a line the call was shown
    and at or above the severity threshold, else listed in the summary."""
    floor = SEVERITY_RANK.get(threshold or "", 0)
    comments, seen = [], set(not_again)
    for result in results:
        right = result.diff.right_lines
        for finding in result.output.findings[:MAX_FINDINGS_PER_CALL]:
            on_diff = finding.line in result.shown_lines
            anchor = right.get(finding.line)
            mark = fingerprint(
                path=result.path,
                anchor=anchor if anchor is not None else f"line {finding.line}",
                category=finding.category,
                message=finding.message,
            )
            if mark in seen:
                continue
            seen.add(mark)
            inline = on_diff and SEVERITY_RANK.get(finding.severity, 0) >= floor
            start = suggestion_start(finding, result.diff) if inline else None
            comments.append(
                ReviewComment(
                    review=review,
                    path=result.path,
                    line=finding.line if finding.line > 0 else None,
                    start_line=start if start is not None and start < finding.line else None,
                    suggestion=finding.suggestion if start is not None else "",
                    side=Side.RIGHT,
                    body=finding.message.strip()[:5000],
                    severity=finding.severity,
                    category=finding.category,
                    fingerprint=mark,
                    anchor=anchor or "",
                    inline=inline,
                )
            )
    inline = sorted((c for c in comments if c.inline), key=lambda c: -SEVERITY_RANK.get(c.severity, 0))
    for comment in inline[MAX_INLINE_COMMENTS:]:
        comment.inline = False
    return comments


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def still_open(pull: PullRequest, review: Review, files: list[dict]) -> list[int]:
    """Findings posted on earlier heads, not dismissed, whose commented line is still in the
    pull request's diff at this head (`files`: GitHub's entries): what the author has not
    addressed yet. A finding whose line was changed or removed counts as addressed."""
    earlier = (
        ReviewComment.objects.filter(review__pull_request=pull, posted=True)
        .exclude(review=review)
        .exclude(outcome=FindingOutcome.DISMISSED)
        .exclude(anchor="")
        .only("id", "path", "anchor")
    )
    patches = {entry["filename"]: entry.get("patch") or "" for entry in files}
    lines: dict[str, set[str]] = {}
    found = []
    for comment in earlier:
        if comment.path not in lines:
            right = parse_patch(patches.get(comment.path, "")).right_lines
            lines[comment.path] = {_bare(text) for text in right.values()}
        if _bare(comment.anchor) in lines[comment.path]:
            found.append(comment.pk)
    return found


def posted_body(comment: ReviewComment) -> str:
    """The text of an inline comment as it is posted to GitHub (with its suggestion block)."""
    body = f"**{comment.severity.upper()}**: {comment.body}"
    if comment.inline and comment.line and comment.suggestion:
        fence = "```"
        while fence in comment.suggestion:
            fence += "`"
        body += f"\n\n{fence}suggestion\n{comment.suggestion}\n{fence}"
    return body


def as_github(comment: ReviewComment) -> dict:
    """The comment as an entry of a review's `comments` (multi-line: start_line/start_side)."""
    entry = {"path": comment.path, "line": comment.line, "side": comment.side, "body": posted_body(comment)}
    if comment.start_line and comment.start_line < comment.line:
        entry.update(start_line=comment.start_line, start_side=comment.side)
    return entry
