"""What people made of our findings (`ReviewComment.outcome`): reactions on our inline comments,
threads resolved without a change, and staff's rating.

Rules (docs/reviews.md, "Learning from what people do"):
- Staff's rating (source "staff") is never changed by anything that happens on GitHub.
- Reactions: each person (bots ignored) counts once, with their latest `+1` or `-1`; more `-1`
  than `+1` marks the finding dismissed, more `+1` helpful, a tie dismissed (a finding a
  maintainer rejected is not worth posting again). No such reaction left clears an outcome
  that reactions had set, and nothing else.
- A thread resolved while its root comment still applies to the pull request's head (GitHub
  still shows it on a line of the current diff: the commented code did not change) marks it
  dismissed; resolved after the commented code changed (the comment is outdated) is a fix and
  changes nothing. Unresolved undoes a dismissal the thread made.
- Between a thread and reactions, the later act wins.
"""

import logging
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.jobs.errors import PermanentError
from reviews.choices import FindingOutcome, OutcomeSource
from reviews.github.users import is_bot
from reviews.jobs import OUTCOMES
from reviews.models import PullRequest, ReviewComment

logger = logging.getLogger(__name__)

REACTION_OUTCOMES = {"+1": FindingOutcome.HELPFUL, "-1": FindingOutcome.DISMISSED}


class NotOurFinding(Exception):
    """The thread is not about one of our inline comments; says why."""


def reaction_outcome(reactions: list[dict]) -> tuple[str, datetime | None]:
    """The outcome people's reactions give (see the module's rules), with the time of the
    latest counted reaction; (NONE, None) when no person reacted with +1 or -1."""
    latest: dict[str, tuple[datetime, str]] = {}
    for reaction in reactions:
        outcome = REACTION_OUTCOMES.get(reaction.get("content"))
        user = reaction.get("user") or {}
        at = parse_datetime(reaction.get("created_at") or "")
        if outcome is None or at is None or is_bot(user):
            continue
        login = user.get("login", "")
        if login not in latest or at >= latest[login][0]:
            latest[login] = (at, outcome)
    if not latest:
        return FindingOutcome.NONE, None
    helpful = sum(1 for _at, outcome in latest.values() if outcome == FindingOutcome.HELPFUL)
    decided = FindingOutcome.HELPFUL if helpful > len(latest) - helpful else FindingOutcome.DISMISSED
    return decided, max(at for at, _outcome in latest.values())


def _not_staff(comment_pk: int):
    return ReviewComment.objects.filter(pk=comment_pk).exclude(outcome_source=OutcomeSource.STAFF)


def finding_reactions_apply(*, comment_pk: int, reactions: list[dict]) -> bool:
    """Apply what the reactions on one inline comment say; True when the outcome changed."""
    outcome, at = reaction_outcome(reactions)
    rows = _not_staff(comment_pk)
    if outcome == FindingOutcome.NONE:
        cleared = rows.filter(outcome_source=OutcomeSource.REACTION)
        return cleared.update(outcome=FindingOutcome.NONE, outcome_source="", outcome_at=None) == 1
    # A thread resolved after the latest reaction stands; an unchanged outcome is not rewritten.
    rows = rows.exclude(outcome_source=OutcomeSource.THREAD, outcome_at__gt=at)
    rows = rows.exclude(outcome=outcome, outcome_source=OutcomeSource.REACTION, outcome_at=at)
    return rows.update(outcome=outcome, outcome_source=OutcomeSource.REACTION, outcome_at=at) == 1


def findings_refresh_outcomes(*, pull: PullRequest, best_effort: bool = False) -> int:
    """Read the reactions on every inline comment of the pull request that GitHub gave an id
    (not those staff rated) and apply them; returns how many outcomes changed. A comment deleted
    on GitHub (404) is passed over. Outages and rate limits raise (the job retries); with
    `best_effort` (the review job's start) a refusal is logged instead of raised."""
    from reviews.github import GitHubClient, GitHubError

    comments = list(
        ReviewComment.objects.filter(review__pull_request=pull, github_id__isnull=False)
        .exclude(outcome_source=OutcomeSource.STAFF)
        .values_list("pk", "github_id")
    )
    if not comments:
        return 0
    changed = 0
    try:
        client = GitHubClient.for_repository(pull.repository)
        for comment_pk, github_id in comments:
            try:
                reactions = client.list_review_comment_reactions(pull.repository, github_id)
            except GitHubError as exc:
                if exc.status == 404:
                    continue
                raise
            changed += finding_reactions_apply(comment_pk=comment_pk, reactions=reactions)
    except PermanentError as exc:
        if not best_effort:
            raise
        logger.warning("reactions on %s not read: %s", pull, exc)
    return changed


def outcomes_refresh_request(*, pull: PullRequest) -> bool:
    """Queue the reading of reactions (reviews.refresh_outcomes) when the pull request has inline
    comments GitHub gave an id; False when it has none or the job already runs."""
    if not ReviewComment.objects.filter(review__pull_request=pull, github_id__isnull=False).exists():
        return False
    return OUTCOMES.enqueue(pull.pk)


def outcomes_refresh_run(*, pull_id: int) -> None:
    """The work of a claimed reviews.refresh_outcomes job."""
    pull = PullRequest.objects.get(pk=pull_id)
    changed = findings_refresh_outcomes(pull=pull)
    logger.info("reactions on %s read: %d outcome(s) changed", pull, changed)
    OUTCOMES.complete(pull.pk)


# --- threads ---------------------------------------------------------------------------------


def finding_thread_change(*, repository: str, action: str, thread: dict, head_sha: str) -> str:
    """Apply a `pull_request_review_thread` delivery (resolved/unresolved) to the finding whose
    inline comment starts the thread; a note of what happened."""
    root = (thread.get("comments") or [{}])[0]
    comment = (
        ReviewComment.objects.filter(review__pull_request__repository__iexact=repository, github_id=root.get("id"))
        .only("pk", "outcome", "outcome_source")
        .first()
    )
    if comment is None:
        raise NotOurFinding(f"the thread of comment {root.get('id')} is not about one of our findings")
    rows = _not_staff(comment.pk)
    if action == "unresolved":
        undone = rows.filter(outcome_source=OutcomeSource.THREAD).update(
            outcome=FindingOutcome.NONE, outcome_source="", outcome_at=None
        )
        return f"finding {comment.pk}: thread unresolved" + ("; its dismissal undone" if undone else "")
    if root.get("line") is None or root.get("commit_id") != head_sha:
        return f"finding {comment.pk}: thread resolved after the commented code changed (a fix): outcome kept"
    dismissed = rows.filter(~Q(outcome=FindingOutcome.DISMISSED)).update(
        outcome=FindingOutcome.DISMISSED, outcome_source=OutcomeSource.THREAD, outcome_at=timezone.now()
    )
    return f"finding {comment.pk}: thread resolved without a change: " + ("dismissed" if dismissed else "unchanged")
