"""The pull request's one summary on GitHub: the body of the first posted review, edited in place
on later pushes; and the short body of a later review that carries only new findings.

Hidden markers: every posted review carries its head's (`marker`), so a retried job finds what
it posted; the summary also carries SUMMARY_MARKER.
"""

from reviews.choices import ReviewMode, Severity, SkipReason

MARKER = "<!-- triage-desk-review head={sha} -->"
RUN_MARKER = "<!-- triage-desk-review head={sha} run={run} -->"
SUMMARY_MARKER = "<!-- triage-desk-summary -->"
# GitHub refuses bodies over 65,536 characters: lists and long findings are cut to stay below.
MAX_LISTED = 50
MAX_HISTORY = 20
MAX_HUNKS_LISTED = 20
MAX_FINDING_CHARS = 600
MAX_BODY_CHARS = 60_000
# Listing order: the most severe first (reviews/choices.py declares them from the least).
SEVERITY_ORDER = {value: order for order, value in enumerate(reversed(Severity.values))}


def marker(head_sha: str, run: int = 1) -> str:
    """The marker of a review's posting: its head, and past the first run, the run."""
    return MARKER.format(sha=head_sha) if run <= 1 else RUN_MARKER.format(sha=head_sha, run=run)


def _short(sha: str) -> str:
    return f"`{sha[:7]}`"


def _what_changed(review) -> list[str]:
    if review.mode == ReviewMode.INCREMENTAL:
        paths = [item["path"] for item in review.file_summaries if item.get("head") == review.head_sha]
        changed = ", ".join(f"`{path}`" for path in paths[:MAX_LISTED]) or "no reviewable file"
        note = f"; {review.mode_note}" if review.mode_note else ""
        return [
            f"**Last push** {_short(review.head_sha)}: reviewed what changed since {_short(review.compared_to_sha)} "
            f"({changed}){note}."
        ]
    note = f"; {review.mode_note}" if review.mode_note else ""
    return [f"**Last push** {_short(review.head_sha)}: full review of the pull request's diff{note}."]


def _history_line(item) -> str:
    if item.mode == ReviewMode.INCREMENTAL:
        what = f"changes since {_short(item.compared_to_sha)}" + (f"; {item.mode_note}" if item.mode_note else "")
    else:
        what = "full review" + (f"; {item.mode_note}" if item.mode_note else "")
    found = f"{item.inline_comments} inline comment(s)" if item.inline_comments else "no new inline comment"
    return f"- {_short(item.head_sha)} {what}: {item.files_reviewed} file(s), {found}"


def _finding_line(comment) -> str:
    where = f"`{comment.path}`" + (f" line {comment.line}" if comment.line else "")
    text = comment.body if len(comment.body) <= MAX_FINDING_CHARS else comment.body[:MAX_FINDING_CHARS] + "…"
    return f"- {where} ({comment.severity}, {comment.category}): {text}"


def _left_out_line(item: dict, labels: dict) -> str:
    reason = labels.get(item["reason"], item["reason"]).lower()
    hunks = item.get("hunks")
    if not hunks:
        return f"- `{item['path']}`: {reason}"
    listed = ", ".join(hunks[:MAX_HUNKS_LISTED])
    more = f" and {len(hunks) - MAX_HUNKS_LISTED} more" if len(hunks) > MAX_HUNKS_LISTED else ""
    return f"- `{item['path']}` hunk(s) {listed}{more}: {reason}"


def summary_body(*, review, comments, history=(), earlier_findings=(), owner_marker: str | None = None) -> str:
    """The summary as of `review`: what the last push changed and what was reviewed, each file's
    change, the findings not posted inline (this review's `comments`, then `earlier_findings`),
    what was left out and why, and the reviews so far (`history`, oldest first)."""
    inline = [comment for comment in comments if comment.inline]
    moved = sorted(
        (comment for comment in comments if not comment.inline),
        key=lambda comment: (SEVERITY_ORDER.get(comment.severity, 9), comment.path, comment.line or 0),
    )
    moved += list(earlier_findings)
    # The summary keeps the marker of the review that posted it (none when unknown), so the
    # marker of a later head is only ever found on that head's own review.
    head_marker = marker(review.head_sha, review.run) if owner_marker is None else owner_marker
    lines = [
        *([head_marker] if head_marker else []),
        SUMMARY_MARKER,
        f"### Automated review of {review.head_sha[:7]}",
        "",
        *_what_changed(review),
        f"Reviewed {review.files_reviewed} file(s): {len(inline)} inline comment(s), "
        f"{len(moved)} finding(s) listed below.",
    ]
    if review.file_summaries:
        lines += ["", "**Changes**"]
        lines += [f"- `{item['path']}`: {item['summary']}" for item in review.file_summaries[:MAX_LISTED]]
    if moved:
        lines += ["", "**Findings not posted inline** (below the severity threshold, or not on a diff line)"]
        lines += [_finding_line(comment) for comment in moved[:MAX_LISTED]]
        if len(moved) > MAX_LISTED:
            lines.append(f"- … and {len(moved) - MAX_LISTED} more")
    if review.skipped_files:
        labels = dict(SkipReason.choices)
        lines += ["", "**Not reviewed**"]
        lines += [_left_out_line(item, labels) for item in review.skipped_files[:MAX_LISTED]]
        if len(review.skipped_files) > MAX_LISTED:
            lines.append(f"- … and {len(review.skipped_files) - MAX_LISTED} more")
    if review.config_error:
        lines += ["", f"**`.triage-desk.yml` ignored** (the admin's settings apply): {review.config_error[:2000]}"]
    if len(history) > 1:
        lines += ["", "**Reviews of this pull request**"]
        lines += [_history_line(item) for item in list(history)[-MAX_HISTORY:]]
    body = "\n".join(lines)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "\n\n… (cut to fit GitHub's size limit; the full list is in Triage Desk)"
    return body


def findings_body(*, review, count: int) -> str:
    """The body of a later review holding only new findings: it points to the summary."""
    return "\n".join(
        [
            marker(review.head_sha, review.run),
            f"{count} new finding(s) on {review.head_sha[:7]}; the pull request's summary is in the first "
            "Triage Desk review above, kept up to date.",
        ]
    )
