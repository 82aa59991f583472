"""The triage of a GitHub-linked issue, written back to GitHub: its labels and one comment.

An issue is linked when it carries `github_repository` and `github_number` (set by the
`issues` deliveries, issues/services/github.py). After triage, the job `issues.sync_to_github`
(GITHUB_WRITEBACK) sends:

- the labels triage added (every run's `labels_added` the issue still carries), less those
  already sent and those a person removed on GitHub (`github_labels_removed`, kept by the
  inbound sync); a label the repository lacks is created
  first when its settings allow, else left out. Triage never removes a label on GitHub;
- one triage comment (summary, likely duplicates) carrying the
  hidden marker below: created once, edited on a re-triage, found by its marker when its id
  is unknown (e.g. a lost response), never recreated once a person deleted it.

What was sent is kept on the issue (the labels, the comment id and a hash of its body), so a
re-triage with the same result sends nothing: at most 3 writes per triaged issue (labels, a
label creation, the comment). The repository's `triage_writeback` setting (off / labels /
labels_and_comment) decides what is written, unless the repository's `.triage-desk.yml` says
otherwise (`triage: {github: ...}`, reviews/repo_config.py). Writes pass the shared write limiter in the
client; these updates touch only the github_* columns, never `updated_at`,
`last_activity_at` or `archived_at`: automation is not activity.

TRIAGE_COMMENT_MARKER (and `is_triage_comment`) is how our comment is recognised, here and by
the inbound sync of `issue_comment` deliveries.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from config.jobs.state import JobState
from issues.jobs import GITHUB_WRITEBACK
from issues.models import Issue

logger = logging.getLogger(__name__)

TRIAGE_COMMENT_MARKER = "<!-- triage-desk:triage issue={issue_id} -->"
TRIAGE_COMMENT_PATTERN = re.compile(r"<!-- triage-desk:triage issue=(\d+) -->")
# `github_comment_hash` of a triage comment a person deleted on GitHub: it is not posted again.
COMMENT_DELETED = "deleted"
# ... and of one a person edited on GitHub: theirs now, never edited by a re-triage again.
COMMENT_EDITED_BY_PERSON = "edited-by-person"
# Triage comments that re-triage leaves alone.
COMMENT_OWNED_BY_PEOPLE = (COMMENT_DELETED, COMMENT_EDITED_BY_PERSON)
LABEL_DESCRIPTION_MAX = 100  # GitHub's limit


def triage_comment_edited_by_person(*, issue: Issue, comment_id: int) -> bool:
    """A person edited our triage comment on GitHub: it is theirs from now on (re-triage never
    overwrites it). False when the comment is not this issue's triage comment."""
    updated = Issue.objects.filter(pk=issue.pk, github_comment_id=comment_id).update(
        github_comment_hash=COMMENT_EDITED_BY_PERSON
    )
    return updated == 1


def triage_comment_marker(issue_id: int) -> str:
    return TRIAGE_COMMENT_MARKER.format(issue_id=issue_id)


def is_triage_comment(body: str | None) -> bool:
    """True for a comment written by our triage (any issue): it carries the marker."""
    return bool(body) and TRIAGE_COMMENT_PATTERN.search(body) is not None


# --- what to send -----------------------------------------------------------------------------


@dataclass
class SyncPlan:
    repository: str
    number: int
    labels: list[str] = field(default_factory=list)  # to add on GitHub
    comment: str | None = None  # the body to write, or None: the comment is as sent (or not wanted)
    create_missing_labels: bool = True

    @property
    def empty(self) -> bool:
        return not self.labels and self.comment is None


def writeback_settings(issue: Issue, *, fetch: bool = True):
    """The settings the write-back obeys: the admin's, with the repository's `.triage-desk.yml`
    on its default branch laid over them (`triage.github`). `fetch=False`: no request, the
    file's answer only if cached (reviews/repo_config.py)."""
    from reviews.repo_config import effective_settings

    return effective_settings(issue.project, issue.github_repository, fetch=fetch)


def sync_plan(issue: Issue, found=None) -> SyncPlan | None:
    """What the write-back would send now; None when the issue is not linked or the
    repository's setting is off. With no settings given, reads the database (and the cache) only."""
    from reviews.choices import TriageWriteback

    if not (issue.github_repository and issue.github_number):
        return None
    found = found or writeback_settings(issue, fetch=False)
    mode = found.triage_github
    if mode == TriageWriteback.OFF:
        return None
    plan = SyncPlan(issue.github_repository, issue.github_number, create_missing_labels=found.create_missing_labels)
    plan.labels = _labels_to_send(issue)
    if mode == TriageWriteback.LABELS_AND_COMMENT and issue.github_comment_hash not in COMMENT_OWNED_BY_PEOPLE:
        body = triage_comment_body(issue)
        if body is not None and _digest(body) != issue.github_comment_hash:
            plan.comment = body
    return plan


def _labels_to_send(issue: Issue) -> list[str]:
    added: dict[str, None] = {}
    for applied in issue.triage_runs.order_by("created_at", "id").values_list("applied", flat=True):
        added.update(dict.fromkeys(name.lower() for name in (applied or {}).get("labels_added", ())))
    skip = {name.lower() for name in [*issue.github_labels_sent, *(issue.github_labels_removed or ())]}
    carried = {label.name.lower(): label.name for label in issue.labels.all()}
    return [carried[name] for name in added if name in carried and name not in skip]


def triage_comment_body(issue: Issue) -> str | None:
    """The triage comment in Markdown, or None when triage has nothing to say yet."""
    run = issue.triage_runs.order_by("-created_at", "-id").first()
    if run is None:
        return None
    # Likely duplicates are named for maintainers; questions for the reporter are not here: each
    # is posted on its own once a person accepts it (issues/suggestions/github.py). Runs before
    # the desk kept the duplicates under `applied`.
    duplicates = (run.suggestions or {}).get("duplicates") or (run.applied or {}).get("duplicates") or []
    summary = issue.summary.strip()
    if not (summary or duplicates):
        return None
    parts = [triage_comment_marker(issue.pk), "### Triage"]
    if summary:
        parts.append(summary)
    if duplicates:
        references = _duplicate_references(issue, [candidate["number"] for candidate in duplicates])
        lines = [
            f"- {references[candidate['number']]}"
            + (f": {candidate['reason'].strip()}" if (candidate.get("reason") or "").strip() else "")
            for candidate in duplicates
        ]
        parts.append("**Possibly a duplicate of**\n" + "\n".join(lines))
    parts.append("<sub>Automatic triage by Triage Desk; maintainers may change the labels.</sub>")
    return "\n\n".join(parts) + "\n"


def _duplicate_references(issue: Issue, numbers: list[int]) -> dict[int, str]:
    """`#12` (a GitHub link) for a duplicate on the same repository, `owner/name#12` on another,
    our key (`WEB-12`) for one not on GitHub."""
    rows = Issue.objects.filter(project_id=issue.project_id, number__in=numbers).values_list(
        "number", "github_repository", "github_number"
    )
    found = {number: (repository, github_number) for number, repository, github_number in rows}
    references = {}
    for number in numbers:
        repository, github_number = found.get(number, ("", None))
        if repository and github_number:
            same = repository.lower() == issue.github_repository.lower()
            references[number] = f"#{github_number}" if same else f"{repository}#{github_number}"
        else:
            references[number] = f"`{issue.project.key}-{number}`"
    return references


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


# --- services ---------------------------------------------------------------------------------


def issue_github_writeback_request(*, issue_id: int) -> bool:
    """After triage: enqueue the write-back when the issue is linked and something is to be sent."""
    issue = Issue.objects.select_related("project").get(pk=issue_id)
    if not (issue.github_repository and issue.github_number):
        return False
    found = writeback_settings(issue, fetch=False)  # database and cache only: no GitHub call here
    plan = sync_plan(issue, found)
    # The admin's setting is off but the repository's file (not read lately) may turn it on:
    # the job reads it, with its own retries and failed state, and ends `skipped` if it is off.
    file_may_decide = plan is None and not found.known
    if not file_may_decide and (plan is None or plan.empty):
        return False
    with transaction.atomic():
        return GITHUB_WRITEBACK.enqueue(issue_id)


def issue_github_writeback(*, issue_id: int) -> None:
    """Send the plan of one issue whose GITHUB_WRITEBACK job is claimed, then complete the job.

    GitHub errors propagate for the task: rate limits wait (CapacityWait), server errors are
    retried (TransientError), a refusal ends the job `failed` with GitHub's message."""
    from reviews.github import GitHubClient

    started_at = timezone.now()
    issue = Issue.objects.select_related("project").get(pk=issue_id)
    found = writeback_settings(issue) if issue.github_repository else None
    if found is not None and found.config_error:
        logger.warning("%s: .triage-desk.yml of %s ignored: %s", issue.key, issue.github_repository, found.config_error)
    plan = sync_plan(issue, found)
    if plan is None:
        GITHUB_WRITEBACK.complete(issue_id, state=JobState.SKIPPED)
        return
    if not plan.empty:
        client = GitHubClient.for_repository(plan.repository)
        if plan.labels:
            _send_labels(client, issue, plan)
        if plan.comment is not None:
            _send_comment(client, issue, plan)
    GITHUB_WRITEBACK.complete(issue_id)
    # A triage that finished while this ran could not enqueue (the job was running): catch up.
    triaged_at = Issue.objects.values_list("triaged_at", flat=True).get(pk=issue_id)
    if triaged_at and triaged_at > started_at:
        issue_github_writeback_request(issue_id=issue_id)


def _send_labels(client, issue: Issue, plan: SyncPlan) -> None:
    on_github = {label["name"].lower(): label["name"] for label in client.list_labels(plan.repository)}
    wanted = []
    for name in plan.labels:
        if name.lower() in on_github:
            wanted.append(on_github[name.lower()])
        elif plan.create_missing_labels:
            _create_label(client, issue, plan.repository, name)
            wanted.append(name)
        else:
            logger.info("%s: label %r is not in %s; not created (settings)", issue.key, name, plan.repository)
    if not wanted:
        return
    client.add_issue_labels(plan.repository, plan.number, wanted)
    sent = [*issue.github_labels_sent, *wanted]
    Issue.objects.filter(pk=issue.pk).update(github_labels_sent=sent)
    issue.github_labels_sent = sent


def _create_label(client, issue: Issue, repository: str, name: str) -> None:
    from reviews.github import GitHubValidationError

    label = issue.project.labels.filter(name__iexact=name).first()
    colour = (label.colour if label else "#888888").lstrip("#").lower()
    description = (label.description if label else "")[:LABEL_DESCRIPTION_MAX]
    try:
        client.create_label(repository, name=name, color=colour, description=description)
    except GitHubValidationError as exc:
        if not any(isinstance(error, dict) and error.get("code") == "already_exists" for error in exc.errors):
            raise
        # Created meanwhile (by a person or another run): just add it.


def _send_comment(client, issue: Issue, plan: SyncPlan) -> None:
    from reviews.github import GitHubError

    body, comment_id = plan.comment, issue.github_comment_id
    if comment_id is None:
        marker = triage_comment_marker(issue.pk)
        ours = next(
            (c for c in client.list_issue_comments(plan.repository, plan.number) if marker in (c.get("body") or "")),
            None,
        )
        if ours is not None:
            comment_id = ours["id"]
            if ours.get("body") == body:
                _record_comment(issue, comment_id, body)
                return
    if comment_id is None:
        comment_id = client.create_issue_comment(plan.repository, plan.number, body=body)["id"]
    else:
        try:
            client.update_issue_comment(plan.repository, comment_id, body=body)
        except GitHubError as exc:
            if exc.status != 404:
                raise
            logger.info("%s: the triage comment %s was deleted on GitHub; not posted again", issue.key, comment_id)
            _record_comment(issue, comment_id, None)
            return
    _record_comment(issue, comment_id, body)


def _record_comment(issue: Issue, comment_id: int, body: str | None) -> None:
    digest = COMMENT_DELETED if body is None else _digest(body)
    Issue.objects.filter(pk=issue.pk).update(github_comment_id=comment_id, github_comment_hash=digest)
    issue.github_comment_id, issue.github_comment_hash = comment_id, digest
