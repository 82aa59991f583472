"""What each GitHub event does: a table keyed by `X-GitHub-Event`, each entry with its actions.

A handler gets the stored delivery, returns a short note of what it did, or raises `Skip`
with the reason nothing was done. Unknown events and actions never reach a handler.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from config.jobs.state import JobState
from issues.actors import GITHUB, GITHUB_SYNC, Actor
from issues.github_sync import triage_comment_edited_by_person
from issues.models import Comment, Issue
from issues.services import (
    DuplicateIssueError,
    StaleGitHubDelivery,
    comment_create,
    comment_delete_from_source,
    comment_update_from_source,
    issue_github_create,
    issue_github_sync,
)
from reviews.github.users import is_bot
from reviews.models import Delivery, ParkedComment
from reviews.selectors import project_for_repository

logger = logging.getLogger(__name__)

GITHUB_SOURCE = "github"


class Skip(Exception):
    """Nothing to do for this delivery; the message is recorded as the reason."""


def _repository(delivery: Delivery) -> str:
    return delivery.repository or (delivery.payload.get("repository") or {}).get("full_name", "")


# --- pull_request ---------------------------------------------------------------------------


# What the review reads and nothing else changed (description, labels): stored, no review asked.
PULL_REQUEST_SYNC_ONLY = frozenset({"edited", "labeled", "unlabeled"})


def handle_pull_request(delivery: Delivery) -> str:
    from reviews.services.outcomes import outcomes_refresh_request
    from reviews.services.pulls import NotReviewed, pull_request_close, pull_request_sync, review_request

    pull = pull_request_sync(repository=_repository(delivery), data=delivery.payload["pull_request"])
    if delivery.action in PULL_REQUEST_SYNC_ONLY:
        return f"{pull} updated ({delivery.action})"
    if delivery.action == "closed":
        skipped = pull_request_close(pull=pull)
        reading = "; reactions to be read" if outcomes_refresh_request(pull=pull) else ""
        return f"{pull} is {pull.state}; {skipped} pending review(s) skipped{reading}"
    try:
        review = review_request(pull=pull, trigger=delivery.action)
    except NotReviewed as reason:
        raise Skip(str(reason))
    return f"review {review.pk} of {pull} @ {review.head_sha[:7]} is {review.state}"


# --- issues ---------------------------------------------------------------------------------

# The hidden marker our own comments on GitHub carry (the triage write-back comment).
OUR_COMMENT_MARKER = "<!-- triage-desk:"


def _sender_actor(delivery: Delivery, user: dict | None = None) -> Actor:
    """GITHUB for a person on GitHub (activity), GITHUB_SYNC for a bot (not activity)."""
    return GITHUB_SYNC if is_bot(user if user is not None else delivery.payload.get("sender")) else GITHUB


def _github_time(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _label_names(gh_issue: dict) -> list[str]:
    return [label["name"] for label in gh_issue.get("labels") or [] if label.get("name")]


def _linked_issue(project, gh_issue: dict) -> Issue | None:
    """The issue linked to a GitHub issue: looked up in the project the delivery's repository is
    linked to, so no issue of another project is ever touched by this repository's deliveries."""
    return (
        Issue.objects.select_related("project")
        .filter(project=project, source=GITHUB_SOURCE, external_id=str(gh_issue["id"]))
        .first()
    )


def _linked_project(delivery: Delivery):
    project = project_for_repository(_repository(delivery))
    if project is None:
        raise Skip(f"repository {_repository(delivery)} is not linked to a project")
    return project


def handle_issues(delivery: Delivery) -> str:
    """Apply GitHub's change to the linked project's issue (issues/services/github.py: labels as
    changes, older deliveries skipped), creating it the first time; then the comments parked
    while it was missing."""
    project = _linked_project(delivery)
    gh_issue = delivery.payload["issue"]
    actor = _sender_actor(delivery)
    label = (delivery.payload.get("label") or {}).get("name") or ""
    values = {
        "title": (gh_issue.get("title") or "")[:300] or f"GitHub issue #{gh_issue.get('number')}",
        "body": gh_issue.get("body") or "",
        "closed": gh_issue.get("state") == "closed",
        "updated_at": _github_time(gh_issue.get("updated_at")),
        "actor": actor,
        # Where the write-back of triage addresses it (issues/github_sync.py).
        "github_repository": _repository(delivery),
        "github_number": gh_issue.get("number"),
    }
    labels = _label_names(gh_issue)
    if delivery.action == "labeled" and label and label.lower() not in {name.lower() for name in labels}:
        labels.append(label)
    if delivery.action == "unlabeled" and label:
        labels = [name for name in labels if name.lower() != label.lower()]
    issue = _linked_issue(project, gh_issue)
    if issue is None:
        try:
            issue = issue_github_create(
                project=project,
                external_id=str(gh_issue["id"]),
                reporter=(gh_issue.get("user") or {}).get("login", ""),
                labels=labels,
                **values,
            )
            note = f"created {issue.key} from {_repository(delivery)}#{gh_issue.get('number')}"
            return note + _apply_parked_comments(issue, gh_issue)
        except DuplicateIssueError as duplicate:  # another delivery of this issue created it first
            if duplicate.issue.project_id != project.pk:
                raise Skip(f"GitHub issue {gh_issue['id']} is linked to {duplicate.issue.key}, not in {project.key}")
            issue = duplicate.issue
    try:
        issue = issue_github_sync(
            issue=issue,
            labels=labels,
            by_person=actor == GITHUB,
            label_added=label if delivery.action == "labeled" else "",
            label_removed=label if delivery.action == "unlabeled" else "",
            **values,
        )
    except StaleGitHubDelivery as stale:
        raise Skip(f"{stale}{_apply_parked_comments(issue, gh_issue)}")
    return f"updated {issue.key} ({delivery.action})" + _apply_parked_comments(issue, gh_issue)


# --- issue_comment --------------------------------------------------------------------------


def _pull_command(delivery: Delivery, command) -> str:
    """A command in a comment on a pull request (reviews/services/commands.py): from a member,
    done and answered once; from anyone else (or a bot) ignored without a reply."""
    from reviews.services.commands import NotAnswered, command_allowed, pull_command_run

    comment = delivery.payload["comment"]
    refusal = command_allowed(association=comment.get("author_association", ""), user=comment.get("user"))
    if refusal:
        raise Skip(refusal)
    repository = _repository(delivery)
    _linked_project(delivery)
    try:
        return pull_command_run(
            repository=repository,
            number=delivery.payload["issue"]["number"],
            comment_id=comment["id"],
            author=(comment.get("user") or {}).get("login", ""),
            command=command,
            installation_id=delivery.installation_id,
        )
    except NotAnswered as reason:
        raise Skip(str(reason))


def handle_issue_comment(delivery: Delivery) -> str:
    """Mirror a comment of a linked GitHub issue: created, edited, deleted. Our own triage
    comment (it carries OUR_COMMENT_MARKER) is not imported; a bot's comment is imported as
    automation (no activity). A comment whose issue is not here yet is parked (ParkedComment)
    and applied when the issue's delivery arrives."""
    gh_issue, comment = delivery.payload["issue"], delivery.payload["comment"]
    if gh_issue.get("pull_request"):
        from reviews.services.commands import command_parse

        command = command_parse(comment.get("body") or "") if delivery.action == "created" else None
        if command is not None:
            return _pull_command(delivery, command)
        raise Skip("comment on a pull request without a command")
    project = _linked_project(delivery)
    issue = _linked_issue(project, gh_issue)
    if issue is None:
        return _park_comment(delivery, project)
    return _comment_apply(issue, delivery)


def _comment_apply(issue: Issue, delivery: Delivery) -> str:
    comment = delivery.payload["comment"]
    external_id = str(comment["id"])
    if delivery.action == "deleted":
        if not comment_delete_from_source(issue=issue, external_id=external_id):
            raise Skip(f"comment {external_id} is not on {issue.key}")
        return f"comment {external_id} deleted from {issue.key}"
    if OUR_COMMENT_MARKER in (comment.get("body") or ""):
        if delivery.action == "edited" and not is_bot(delivery.payload.get("sender")):
            if triage_comment_edited_by_person(issue=issue, comment_id=comment["id"]):
                return f"our triage comment {external_id} on {issue.key} was edited by a person: theirs now"
        raise Skip(f"comment {external_id} is our own triage comment")
    author = comment.get("user") or {}
    fields = {
        "issue": issue,
        "external_id": external_id,
        "body": comment.get("body") or "",
        "author_name": author.get("login", ""),
        "source_updated_at": _github_time(comment.get("updated_at")),
    }
    if delivery.action == "edited" and fields["source_updated_at"] is not None:
        _saved, changed = comment_update_from_source(actor=_sender_actor(delivery), **fields)
        if not changed:
            raise Skip(f"comment {external_id} on {issue.key} is unchanged (or a newer edit is applied)")
        return f"comment {external_id} on {issue.key} edited"
    if Comment.objects.filter(issue=issue, external_id=external_id).exists():
        raise Skip(f"comment {external_id} is already on {issue.key}")
    # Idempotent on external_id as well, should two deliveries race.
    comment_create(actor=_sender_actor(delivery, author), **fields)
    return f"comment {external_id} added to {issue.key}"


def _park_comment(delivery: Delivery, project) -> str:
    """Keep a comment whose issue is not here yet; a deletion drops what was parked for it."""
    gh_issue, comment = delivery.payload["issue"], delivery.payload["comment"]
    where = f"{_repository(delivery)}#{gh_issue.get('number')}"
    if delivery.action == "deleted":
        ParkedComment.objects.filter(comment_id=comment["id"]).delete()
        raise Skip(f"comment {comment['id']} deleted before {where} arrived")
    try:
        _park(delivery, gh_issue["id"], comment["id"])
    except IntegrityError:  # another delivery of this comment parked it first: compare with that one
        _park(delivery, gh_issue["id"], comment["id"])
    # The issue may have arrived meanwhile, its delivery looking for parked comments before
    # this one committed: look once more, after the commit, so one of the two applies it.
    issue = _linked_issue(project, gh_issue)
    if issue is not None:
        return f"{where} arrived meanwhile" + _apply_parked_comments(issue, gh_issue)
    raise Skip(f"{where} has no linked issue yet: comment {comment['id']} parked until it arrives")


@transaction.atomic
def _park(delivery: Delivery, github_issue_id: int, comment_id: int) -> None:
    parked = ParkedComment.objects.select_for_update().select_related("delivery").filter(comment_id=comment_id)
    parked = parked.first()
    if parked is None:
        ParkedComment.objects.create(delivery=delivery, github_issue_id=github_issue_id, comment_id=comment_id)
    elif _comment_time(delivery) >= _comment_time(parked.delivery):  # keep the latest text
        parked.delivery = delivery
        parked.save(update_fields=["delivery"])


def _comment_time(delivery: Delivery) -> datetime:
    return _github_time(delivery.payload["comment"].get("updated_at")) or delivery.received_at


def _apply_parked_comments(issue: Issue, gh_issue: dict) -> str:
    """Apply the comments parked for this GitHub issue, each once; a note for the result."""
    applied = 0
    for parked_pk in ParkedComment.objects.filter(github_issue_id=gh_issue["id"]).values_list("pk", flat=True):
        with transaction.atomic():
            parked = ParkedComment.objects.select_for_update(skip_locked=True).filter(pk=parked_pk).first()
            if parked is None:  # applied by another worker
                continue
            delivery = parked.delivery
            try:
                note = _comment_apply(issue, delivery)
                applied += 1
            except Skip as skip:
                note = str(skip)
            parked.delete()
            Delivery.objects.filter(pk=delivery.pk, state=JobState.SKIPPED).update(
                state=JobState.DONE, result=f"parked, then applied: {note}"[:500]
            )
    return f"; {applied} parked comment(s) applied" if applied else ""


# --- pull_request_review_comment -----------------------------------------------------------


def handle_review_comment(delivery: Delivery) -> str:
    from reviews.services.comment_ids import NotOurComment, review_comment_link

    data = delivery.payload["comment"]
    try:
        comment = review_comment_link(
            repository=_repository(delivery), number=delivery.payload["pull_request"]["number"], data=data
        )
    except NotOurComment as reason:
        raise Skip(str(reason))
    return f"review comment {comment.pk} is GitHub comment {comment.github_id}"


# --- pull_request_review_thread -----------------------------------------------------------


def handle_review_thread(delivery: Delivery) -> str:
    """A thread resolved or unresolved: what it says about the finding that starts it
    (reviews/services/outcomes.py)."""
    from reviews.services.outcomes import NotOurFinding, finding_thread_change

    try:
        return finding_thread_change(
            repository=_repository(delivery),
            action=delivery.action,
            thread=delivery.payload.get("thread") or {},
            head_sha=((delivery.payload.get("pull_request") or {}).get("head") or {}).get("sha", ""),
        )
    except NotOurFinding as reason:
        raise Skip(str(reason))


# --- installation ---------------------------------------------------------------------------


def handle_installation(delivery: Delivery) -> str:
    from reviews.services.installations import installation_record

    installation = installation_record(
        action=delivery.action,
        data=delivery.payload["installation"],
        repositories=delivery.payload.get("repositories"),
    )
    state = f" ({installation.stopped})" if installation.stopped else ""
    return f"installation {installation.installation_id} {delivery.action}{state}"


def handle_installation_repositories(delivery: Delivery) -> str:
    from reviews.services.installations import installation_repositories_change

    added = delivery.payload.get("repositories_added") or []
    removed = delivery.payload.get("repositories_removed") or []
    installation = installation_repositories_change(
        data=delivery.payload["installation"],
        added=added,
        removed=removed,
        selection=delivery.payload.get("repository_selection") or "",
    )
    return f"installation {installation.installation_id}: {len(added)} repositories added, {len(removed)} removed"


Handler = Callable[[Delivery], str]
HANDLERS: dict[str, tuple[Handler, frozenset[str] | None]] = {
    "pull_request": (
        handle_pull_request,
        frozenset({"opened", "reopened", "synchronize", "ready_for_review", "closed"} | PULL_REQUEST_SYNC_ONLY),
    ),
    "issues": (handle_issues, frozenset({"opened", "edited", "closed", "reopened", "labeled", "unlabeled"})),
    "issue_comment": (handle_issue_comment, frozenset({"created", "edited", "deleted"})),
    "pull_request_review_comment": (handle_review_comment, frozenset({"created"})),
    "pull_request_review_thread": (handle_review_thread, frozenset({"resolved", "unresolved"})),
    "installation": (handle_installation, None),  # every action is recorded
    "installation_repositories": (handle_installation_repositories, frozenset({"added", "removed"})),
}


def is_handled(event: str, action: str) -> bool:
    entry = HANDLERS.get(event)
    return entry is not None and (entry[1] is None or action in entry[1])
