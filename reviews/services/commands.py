"""Commands a member writes in a pull request comment (`/review`, `/pause`, ...), each answered
with one short reply comment.

COMMANDS is the one list of commands: the parser, the `/help` reply, the reply to an unknown
command and docs/reviews.md (tested) all come from it. A comment is answered once: its GitHub id
is recorded (PullCommand) with what was done and our reply's id, so processing it again (a
redelivery under a new id, a staff re-run of the delivery) neither acts nor replies twice.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from config.jobs.state import JobState
from reviews.choices import REVIEW_COMMAND_ASSOCIATIONS, ReviewTrigger
from reviews.github.users import is_bot
from reviews.models import PullCommand, PullRequest, Review

# Our reply comments carry this hidden marker (they never start with "/", so never parse as a command).
REPLY_MARKER = "<!-- triage-desk:command-reply -->"


@dataclass(frozen=True)
class Command:
    name: str
    argument: str
    help: str

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.argument}".strip()


COMMANDS = (
    Command("review", "", "review the pull request's current head now (also a draft, or while paused)"),
    Command("review", "full", "review the whole pull request again, not only what is new"),
    Command("pause", "", "stop automatic reviews of this pull request (`/review` still works)"),
    Command("resume", "", "review this pull request automatically again"),
    Command("help", "", "list these commands"),
)
COMMAND_NAMES = frozenset(command.name for command in COMMANDS)
# A command is the first word of the comment's first line: "/name" then a space or the end,
# so a path such as "/usr/bin is wrong" is not one.
_COMMAND_LINE = re.compile(r"^/([A-Za-z][\w-]*)(?:\s+(\S+))?(?:\s|$)")


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # lower case, known or not
    argument: str  # the first word after it, lower case ("" when none)

    @property
    def known(self) -> bool:
        return self.name in COMMAND_NAMES

    @property
    def full(self) -> bool:
        return self.name == "review" and self.argument == "full"

    @property
    def text(self) -> str:
        return "/review full" if self.full else f"/{self.name}"


class NotAnswered(Exception):
    """The comment gets no reply (not a member, a bot, answered already); says why."""


def command_parse(body: str) -> ParsedCommand | None:
    """The command a comment starts with, or None for an ordinary comment."""
    first_line = (body or "").strip().split("\n", 1)[0].strip()
    match = _COMMAND_LINE.match(first_line)
    if match is None:
        return None
    return ParsedCommand(name=match.group(1).lower(), argument=(match.group(2) or "").lower())


def help_text() -> str:
    lines = [f"- `{command.usage}`: {command.help}" for command in COMMANDS]
    return "Triage Desk commands (from the repository's owners, members and collaborators):\n" + "\n".join(lines)


def command_allowed(*, association: str, user: dict | None) -> str | None:
    """Why a comment's author may not give commands, or None."""
    user = user or {}
    login = user.get("login", "")
    if is_bot(user):
        return f"commands from bots ({login}) are ignored"
    if association not in REVIEW_COMMAND_ASSOCIATIONS:
        return f"command from {login} ({association}) ignored: only members, owners and collaborators"
    return None


# --- what each command does ------------------------------------------------------------------


def _current_pull(client, repository: str, number: int) -> PullRequest:
    """The pull request as GitHub has it now (a comment carries no head SHA)."""
    from reviews.services.pulls import pull_request_sync

    return pull_request_sync(repository=repository, data=client.get_pull(repository, number))


def _stored_pull(client, repository: str, number: int) -> PullRequest:
    pull = PullRequest.objects.filter(repository=repository, number=number).first()
    return pull if pull is not None else _current_pull(client, repository, number)


def _review(client, repository: str, number: int, author: str, command: ParsedCommand) -> str:
    from reviews.services.pulls import NotReviewed, review_request

    pull = _current_pull(client, repository, number)
    try:
        review = review_request(pull=pull, trigger=ReviewTrigger.COMMAND, requested_by=author, full=command.full)
    except NotReviewed as reason:
        return f"Not reviewed: {reason}."
    what = "A full review" if command.full else "A review"
    return f"{what} of `{review.head_sha[:7]}` is under way (asked by @{author})."


@transaction.atomic
def pull_request_pause(*, pull: PullRequest, paused: bool) -> int:
    """Pause or resume the pull request's automatic reviews; pausing skips the automatic reviews
    still pending (how many is returned). A running one finishes."""
    PullRequest.objects.filter(pk=pull.pk).update(reviews_paused=paused)
    pull.reviews_paused = paused
    if not paused:
        return 0
    now = timezone.now()
    return (
        Review.objects.filter(pull_request=pull, state=JobState.PENDING)
        .exclude(trigger__in=(ReviewTrigger.COMMAND, ReviewTrigger.STAFF))
        .update(
            state=JobState.SKIPPED,
            summary="Skipped: automatic reviews paused (/pause)",
            state_changed_at=now,
            finished_at=now,
        )
    )


def _pause(client, repository: str, number: int, author: str, command: ParsedCommand) -> str:
    pull_request_pause(pull=_stored_pull(client, repository, number), paused=True)
    return (
        f"Automatic reviews of this pull request are paused (by @{author}). "
        "`/resume` resumes them; `/review` still reviews."
    )


def _resume(client, repository: str, number: int, author: str, command: ParsedCommand) -> str:
    pull_request_pause(pull=_stored_pull(client, repository, number), paused=False)
    return f"Automatic reviews of this pull request are resumed (by @{author}): the next push is reviewed."


def _help(client, repository: str, number: int, author: str, command: ParsedCommand) -> str:
    return help_text()


_ACTIONS = {"review": _review, "pause": _pause, "resume": _resume, "help": _help}
assert set(_ACTIONS) == COMMAND_NAMES


def _unknown(command: ParsedCommand) -> str:
    return f"Unknown command `/{command.name}`. " + help_text()


# --- running one ------------------------------------------------------------------------------


def pull_command_run(
    *,
    repository: str,
    number: int,
    comment_id: int,
    author: str,
    command: ParsedCommand,
    installation_id: int | None = None,
) -> str:
    """Do what the command says (once per comment) and reply on the pull request (once).

    The result is saved before the reply is posted: a reply that failed is posted on the retry
    without acting again. Returns a note of what was done; NotAnswered when already answered."""
    from reviews.github import GitHubClient

    record, _created = PullCommand.objects.get_or_create(
        comment_id=comment_id,
        defaults={"repository": repository, "number": number, "command": command.text[:50], "author": author},
    )
    if record.replied_at is not None:
        raise NotAnswered(f"{record.command} of comment {comment_id} was answered already (comment {record.reply_id})")
    client = GitHubClient.for_repository(repository, installation_id=installation_id)
    if not record.result:
        action = _ACTIONS.get(command.name)
        result = action(client, repository, number, author, command) if action else _unknown(command)
        PullCommand.objects.filter(pk=record.pk).update(result=result)
        record.result = result
    reply = client.create_issue_comment(repository, number, body=f"{REPLY_MARKER}\n{record.result}")
    PullCommand.objects.filter(pk=record.pk).update(reply_id=reply["id"], replied_at=timezone.now())
    return f"{record.command} by {author}: {record.result.splitlines()[0]}"[:500]
