"""What one review looks at, and the LLM calls that cover it within the budget.

- **Full**: every hunk of the selected files. The first review of a pull request, a review
  asked for in full (`/review full`), and a push after which the last reviewed head is no
  longer an ancestor of the new one (force-push, rebase: compare answers 404, `diverged` or
  `behind`), which falls back to a full review once.
- **Incremental**: the hunks of the pull request's diff that the push changed, found with the
  compare API between the last reviewed head and the new one; each is sent whole (the PR
  diff's hunk, so findings anchor on lines of the diff at the head).
"""

from dataclasses import dataclass, field

from django.conf import settings

from llm.schema import strict_schema
from llm.tokens import estimate_prompt_tokens
from reviews.choices import ReviewMode, SkipReason
from reviews.chunks import Planned, file_chunks, hunk_label, within_budget
from reviews.diff import FileDiff, changed_new_lines, only_reformats, parse_patch
from reviews.github import GitHubClient, GitHubError
from reviews.models import PullRequest, Review
from reviews.prompts import FileReviewOutput, file_messages, pull_request_data
from reviews.repo_config import EffectiveSettings
from reviews.selection import path_matches
from reviews.selectors import unwanted_categories

# Compare statuses after which the old head is not an ancestor of the new one.
LOST_HEAD_STATUSES = frozenset({"diverged", "behind"})
# Room kept in a request for the rounding of the token estimate.
ESTIMATE_MARGIN_TOKENS = 8
LEFT_OUT_REASONS = frozenset({SkipReason.BUDGET, SkipReason.TOO_LARGE})


@dataclass
class Scope:
    mode: str
    compared_to: str = ""
    note: str = ""
    # Incremental: path -> new-file lines the push changed (None: the whole file, no patch).
    changed: dict[str, set[int] | None] | None = None
    previous_review: Review | None = None

    def carried_left_out(self, paths: set[str]) -> list[dict]:
        """What the last review left out for size or budget, in files this push did not
        change: still not reviewed, so still named in the summary."""
        if self.mode != ReviewMode.INCREMENTAL or self.previous_review is None:
            return []
        return [
            item
            for item in self.previous_review.skipped_files
            if item["reason"] in LEFT_OUT_REASONS and item["path"] in paths and item["path"] not in self.changed
        ]


def review_scope(*, review: Review, pull: PullRequest, client: GitHubClient) -> Scope:
    previous_head = pull.reviewed_head_sha
    if previous_head == review.head_sha:
        previous_head = review.compared_to_sha  # this head analysed again: from where it was then
    previous = Review.objects.filter(pull_request=pull, head_sha=previous_head).first() if previous_head else None
    if review.full_requested:
        return Scope(mode=ReviewMode.FULL, note="a full review was asked for", previous_review=previous)
    if not previous_head:
        return Scope(mode=ReviewMode.FULL)
    try:
        comparison = client.compare(pull.repository, previous_head, review.head_sha)
    except GitHubError as exc:  # e.g. a comparison GitHub will not compute: what changed is unknown
        note = f"the changes since {previous_head[:7]} could not be compared ({exc})"
        return Scope(mode=ReviewMode.FULL, note=note, previous_review=previous)
    if comparison is None or comparison.get("status") in LOST_HEAD_STATUSES:
        why = "not found" if comparison is None else comparison["status"]
        note = f"force-push or rebase: {previous_head[:7]} is not an ancestor of the head (compare: {why})"
        return Scope(mode=ReviewMode.FULL, note=note, previous_review=previous)
    files = comparison.get("files") or []
    # A file the push only reformatted says nothing new to a reviewer: not sent again.
    reformatted = [entry["filename"] for entry in files if entry.get("patch") and only_reformats(entry["patch"])]
    changed = {
        entry["filename"]: changed_new_lines(entry["patch"]) if entry.get("patch") else None
        for entry in files
        if entry["filename"] not in reformatted
    }
    note = (
        "only reformatted, not reviewed again: " + ", ".join(f"`{path}`" for path in reformatted) if reformatted else ""
    )
    return Scope(
        mode=ReviewMode.INCREMENTAL, compared_to=previous_head, changed=changed, note=note, previous_review=previous
    )


@dataclass
class CallPlan(Planned):
    diff: FileDiff = None
    messages: list[dict] = field(default_factory=list)
    order: int = 0


@dataclass
class Plan:
    calls: list[CallPlan]
    left_out: list[dict]  # [{"path", "reason", "hunks"?}] for the summary


def _hunks_in_scope(diff: FileDiff, path: str, scope: Scope):
    if scope.changed is None:
        return diff.hunks
    lines = scope.changed[path]
    return diff.hunks if lines is None else [hunk for hunk in diff.hunks if hunk.touches(lines)]


def plan_calls(*, pull: PullRequest, files: list[dict], scope: Scope, repo_settings: EffectiveSettings) -> Plan:
    """One request per chunk of each file in scope, each within the model's context and the
    per-call size; then the budget keeps the largest and riskiest."""
    schema = strict_schema(FileReviewOutput)
    context = {
        "pull_request": pull_request_data(title=pull.title, description=pull.body),
        "unwanted": unwanted_categories(pull.repository),
    }
    planned: list[CallPlan] = []
    left_out: list[dict] = []
    for entry in files:
        path = entry["filename"]
        if scope.changed is not None and path not in scope.changed:
            continue  # unchanged since the last reviewed head
        diff = parse_patch(entry["patch"])
        hunks = _hunks_in_scope(diff, path, scope)
        if not hunks:
            continue
        instructions = [
            item["instructions"] for item in repo_settings.path_instructions if path_matches(path, [item["path"]])
        ]
        fixed = estimate_prompt_tokens(
            file_messages(path=path, numbered_diff="", instructions=instructions, **context), schema
        )
        room = settings.LLM_CONTEXT_TOKENS - settings.LLM_COMPLETION_TOKENS_ESTIMATE - fixed - ESTIMATE_MARGIN_TOKENS
        chunks, too_large = file_chunks(path, hunks, max_tokens=min(settings.REVIEW_CHUNK_TOKENS, room))
        for chunk in chunks:
            messages = file_messages(path=path, numbered_diff=chunk.text, instructions=instructions, **context)
            tokens = estimate_prompt_tokens(messages, schema)
            planned.append(CallPlan(chunk=chunk, tokens=tokens, diff=diff, messages=messages, order=len(planned)))
        if too_large:
            labels = [hunk_label(hunk.header) for hunk in too_large]
            left_out.append({"path": path, "reason": str(SkipReason.TOO_LARGE), "hunks": labels})
    budget = repo_settings.budget_tokens or settings.REVIEW_BUDGET_TOKENS
    kept, dropped = within_budget(planned, budget)
    kept_paths = {item.chunk.path for item in kept}
    by_path: dict[str, list[str]] = {}
    for item in sorted(dropped, key=lambda item: item.order):
        by_path.setdefault(item.chunk.path, []).extend(hunk_label(header) for header in item.chunk.headers)
    for path, labels in by_path.items():
        entry = {"path": path, "reason": str(SkipReason.BUDGET)}
        if path in kept_paths:
            entry["hunks"] = labels
        left_out.append(entry)
    return Plan(calls=sorted(kept, key=lambda item: item.order), left_out=left_out)
