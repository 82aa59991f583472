"""The body of the posted review: a hidden marker with the head SHA, then what was found."""

from reviews.choices import SkipReason

MARKER = "<!-- triage-desk-review head={sha} -->"
# GitHub refuses bodies over 65,536 characters: lists and long findings are cut to stay below.
MAX_LISTED = 50
MAX_FINDING_CHARS = 600
MAX_BODY_CHARS = 60_000
SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2, "info": 3}


def marker(head_sha: str) -> str:
    return MARKER.format(sha=head_sha)


def summary_body(*, review, comments) -> str:
    inline = [comment for comment in comments if comment.inline]
    moved = sorted(
        (comment for comment in comments if not comment.inline),
        key=lambda comment: (SEVERITY_ORDER.get(comment.severity, 9), comment.path, comment.line or 0),
    )
    lines = [
        marker(review.head_sha),
        f"### Automated review of {review.head_sha[:7]}",
        "",
        f"Reviewed {review.files_reviewed} file(s): {len(inline)} inline comment(s), "
        f"{len(moved)} finding(s) listed below.",
    ]
    if review.file_summaries:
        lines += ["", "**Changes**"]
        lines += [f"- `{item['path']}`: {item['summary']}" for item in review.file_summaries[:MAX_LISTED]]
    if moved:
        lines += ["", "**Findings not on a diff line**"]
        for comment in moved[:MAX_LISTED]:
            where = f"`{comment.path}`" + (f" line {comment.line}" if comment.line else "")
            text = comment.body if len(comment.body) <= MAX_FINDING_CHARS else comment.body[:MAX_FINDING_CHARS] + "…"
            lines.append(f"- {where} ({comment.severity}, {comment.category}): {text}")
        if len(moved) > MAX_LISTED:
            lines.append(f"- … and {len(moved) - MAX_LISTED} more")
    if review.skipped_files:
        labels = dict(SkipReason.choices)
        lines += ["", "**Not reviewed**"]
        for item in review.skipped_files[:MAX_LISTED]:
            lines.append(f"- `{item['path']}`: {labels.get(item['reason'], item['reason']).lower()}")
        if len(review.skipped_files) > MAX_LISTED:
            lines.append(f"- … and {len(review.skipped_files) - MAX_LISTED} more")
    if review.config_error:
        lines += ["", f"**`.triage-desk.yml` ignored** (the admin's settings apply): {review.config_error[:2000]}"]
    body = "\n".join(lines)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "\n\n… (cut to fit GitHub's size limit; the full list is in Triage Desk)"
    return body
