"""What each GitHub event does: a table keyed by `X-GitHub-Event`, each entry with its actions.

A handler gets the stored delivery, returns a short note of what it did, or raises `Skip`
with the reason nothing was done. Unknown events and actions never reach a handler.
"""

import logging
import re
from collections.abc import Callable

from issues.actors import GITHUB
from issues.choices import IssueStatus
from issues.models import Comment, Issue
from issues.services import DuplicateIssueError, comment_create, issue_create, issue_update
from reviews.choices import REVIEW_COMMAND_ASSOCIATIONS, ReviewTrigger
from reviews.models import Delivery
from reviews.selectors import project_for_repository

logger = logging.getLogger(__name__)

GITHUB_SOURCE = "github"
REVIEW_COMMAND = re.compile(r"^\s*/review\b", re.IGNORECASE)


class Skip(Exception):
    """Nothing to do for this delivery; the message is recorded as the reason."""


def _repository(delivery: Delivery) -> str:
    return delivery.repository or (delivery.payload.get("repository") or {}).get("full_name", "")


# --- pull_request ---------------------------------------------------------------------------


def handle_pull_request(delivery: Delivery) -> str:
    from reviews.services.pulls import NotReviewed, pull_request_close, pull_request_sync, review_request

    pull = pull_request_sync(repository=_repository(delivery), data=delivery.payload["pull_request"])
    if delivery.action == "closed":
        skipped = pull_request_close(pull=pull)
        return f"{pull} is {pull.state}; {skipped} pending review(s) skipped"
    try:
        review = review_request(pull=pull, trigger=delivery.action)
    except NotReviewed as reason:
        raise Skip(str(reason))
    return f"review {review.pk} of {pull} @ {review.head_sha[:7]} is {review.state}"


# --- issues ---------------------------------------------------------------------------------


def _issue_status(gh_issue: dict) -> str:
    return IssueStatus.CLOSED if gh_issue.get("state") == "closed" else IssueStatus.OPEN


def _label_names(gh_issue: dict) -> list[str]:
    return [label["name"] for label in gh_issue.get("labels") or [] if label.get("name")]


def _linked_issue(project, gh_issue: dict) -> Issue | None:
    """The issue linked to a GitHub issue: looked up in the project the delivery's repository is
    linked to, so no issue of another project is ever touched by this repository's deliveries."""
    return Issue.objects.filter(project=project, source=GITHUB_SOURCE, external_id=str(gh_issue["id"])).first()


def handle_issues(delivery: Delivery) -> str:
    """Create or update the linked project's issue so it matches GitHub's issue as sent."""
    project = project_for_repository(_repository(delivery))
    if project is None:
        raise Skip(f"repository {_repository(delivery)} is not linked to a project")
    gh_issue = delivery.payload["issue"]
    external_id = str(gh_issue["id"])
    fields = {
        "title": (gh_issue.get("title") or "")[:300] or f"GitHub issue #{gh_issue.get('number')}",
        "body": gh_issue.get("body") or "",
        "status": _issue_status(gh_issue),
        "labels": _label_names(gh_issue),
    }
    issue = _linked_issue(project, gh_issue)
    if issue is None:
        try:
            issue = issue_create(
                project=project,
                reporter=(gh_issue.get("user") or {}).get("login", ""),
                source=GITHUB_SOURCE,
                external_id=external_id,
                actor=GITHUB,
                create_missing_labels=True,
                **fields,
            )
            return f"created {issue.key} from {_repository(delivery)}#{gh_issue.get('number')}"
        except DuplicateIssueError as duplicate:  # another delivery of this issue created it first
            if duplicate.issue.project_id != project.pk:
                raise Skip(f"GitHub issue {external_id} is linked to {duplicate.issue.key}, not in {project.key}")
            issue = duplicate.issue
    issue = issue_update(issue=issue, version=None, actor=GITHUB, create_missing_labels=True, **fields)
    return f"updated {issue.key} ({delivery.action})"


# --- issue_comment --------------------------------------------------------------------------


def _review_command(delivery: Delivery) -> str:
    from reviews.github import GitHubClient
    from reviews.services.pulls import NotReviewed, pull_request_sync, review_request

    comment = delivery.payload["comment"]
    login = (comment.get("user") or {}).get("login", "")
    association = comment.get("author_association", "")
    if association not in REVIEW_COMMAND_ASSOCIATIONS:
        raise Skip(f"/review from {login} ({association}) ignored: only members, owners and collaborators")
    repository, number = _repository(delivery), delivery.payload["issue"]["number"]
    if project_for_repository(repository) is None:
        raise Skip(f"repository {repository} is not linked to a project")
    # The comment does not carry the head SHA: ask GitHub for the pull request as it is now.
    client = GitHubClient.for_repository(repository, installation_id=delivery.installation_id)
    data = client.get_pull(repository, number)
    pull = pull_request_sync(repository=repository, data=data)
    try:
        review = review_request(pull=pull, trigger=ReviewTrigger.COMMAND, requested_by=login)
    except NotReviewed as reason:
        raise Skip(str(reason))
    return f"/review by {login}: review {review.pk} of {pull} @ {review.head_sha[:7]} is {review.state}"


def handle_issue_comment(delivery: Delivery) -> str:
    gh_issue, comment = delivery.payload["issue"], delivery.payload["comment"]
    if gh_issue.get("pull_request"):
        if REVIEW_COMMAND.match(comment.get("body") or ""):
            return _review_command(delivery)
        raise Skip("comment on a pull request without a command")
    project = project_for_repository(_repository(delivery))
    if project is None:
        raise Skip(f"repository {_repository(delivery)} is not linked to a project")
    issue = _linked_issue(project, gh_issue)
    if issue is None:
        raise Skip(f"{_repository(delivery)}#{gh_issue.get('number')} has no linked issue")
    external_id = str(comment["id"])
    if Comment.objects.filter(issue=issue, external_id=external_id).exists():
        raise Skip(f"comment {external_id} is already on {issue.key}")
    comment_create(  # idempotent on external_id as well, should two deliveries race
        issue=issue,
        body=comment.get("body") or "",
        actor=GITHUB,
        author_name=(comment.get("user") or {}).get("login", ""),
        external_id=external_id,
    )
    return f"comment {external_id} added to {issue.key}"


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
        frozenset({"opened", "reopened", "synchronize", "ready_for_review", "closed"}),
    ),
    "issues": (handle_issues, frozenset({"opened", "edited", "closed", "reopened", "labeled", "unlabeled"})),
    "issue_comment": (handle_issue_comment, frozenset({"created"})),
    "pull_request_review_comment": (handle_review_comment, frozenset({"created"})),
    "installation": (handle_installation, None),  # every action is recorded
    "installation_repositories": (handle_installation_repositories, frozenset({"added", "removed"})),
}


def is_handled(event: str, action: str) -> bool:
    entry = HANDLERS.get(event)
    return entry is not None and (entry[1] is None or action in entry[1])
