"""A person decides a triage suggestion: accept (applied through the issue services) or dismiss.

Both lock the suggestion, so of two concurrent decisions one wins and the other gets 409
`already_decided`; both record the decision on the suggestion (who, when, why) and in the
issue's activity history (field `triage_suggestion`). Accepting writes as that person, with the
issue's version (the one given, or the current one), so what it sets is theirs afterwards
(`<field>_set_by_human`) and an edit made meanwhile is a 409 `version_conflict`, not lost.
"""

from django.db import transaction
from django.utils import timezone

from config.api.errors import ApplicationError, ConflictError
from issues.actors import Actor
from issues.choices import FINISHED_STATUSES, IssueStatus, SuggestionKind, SuggestionState
from issues.models import Issue, Label, TriageSuggestion
from issues.services.activity import activity_record
from issues.services.comments import comment_create
from issues.services.issues import issue_update

DECISION_REASON_MAX = TriageSuggestion._meta.get_field("decision_reason").max_length


class SuggestionDecided(ApplicationError):
    status_code = 409
    type = "already_decided"

    def __init__(self, suggestion: TriageSuggestion):
        super().__init__(
            f"Suggestion {suggestion.pk} is {suggestion.state} already; only open suggestions can be decided.",
            state=suggestion.state,
        )


def suggestion_accept(
    *,
    suggestion: TriageSuggestion,
    user,
    reason: str = "",
    close_duplicate: bool = False,
    version: int | None = None,
) -> TriageSuggestion:
    """Apply the suggestion as `user` and mark it accepted.

    label: added to the issue (created first if the project's `triage_may_create_labels`; else
    a label the project lacks is a 409 `label_not_in_project`); priority/type: set, and the
    person's from then on; duplicate: `duplicate_of` set on the newer of the two issues, which
    `close_duplicate` also closes; question: a comment by `user`, also posted on the linked
    GitHub issue by the job `issues.post_question_to_github`."""
    if close_duplicate and suggestion.kind != SuggestionKind.DUPLICATE:
        raise ApplicationError(
            "`close` applies to duplicate suggestions only.",
            type="validation_error",
            fields={"close": ["Only for a duplicate suggestion."]},
        )
    actor = Actor.of_user(user)
    with transaction.atomic():
        current = _locked_open(suggestion)
        issue = Issue.objects.select_related("project").get(pk=current.issue_id)
        if version is not None and version != issue.version:
            raise ConflictError(
                f"The issue was changed meanwhile; its current version is {issue.version}.",
                current_version=issue.version,
            )
        ACCEPT[current.kind](current, issue, actor, issue.version, close_duplicate)
        _decide(current, SuggestionState.ACCEPTED, user, reason, actor)
    return current


def suggestion_dismiss(*, suggestion: TriageSuggestion, user, reason: str = "") -> TriageSuggestion:
    """Mark the suggestion dismissed: nothing changes on the issue, and triage does not raise
    the same suggestion for this issue again (and learns from it: issues/suggestions/lessons.py)."""
    with transaction.atomic():
        current = _locked_open(suggestion)
        _decide(current, SuggestionState.DISMISSED, user, reason, Actor.of_user(user))
    return current


def _locked_open(suggestion: TriageSuggestion) -> TriageSuggestion:
    current = TriageSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if current.state != SuggestionState.OPEN:
        raise SuggestionDecided(current)
    return current


def _decide(suggestion: TriageSuggestion, state: str, user, reason: str, actor: Actor) -> None:
    suggestion.state = state
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.decision_reason = reason.strip()[:DECISION_REASON_MAX]
    suggestion.save(update_fields=["state", "decided_by", "decided_at", "decision_reason", "comment"])
    activity_record(
        actor=actor,
        field="triage_suggestion",
        old=None,
        new={
            "suggestion": suggestion.pk,
            "run": suggestion.run_id,
            "kind": suggestion.kind,
            "value": suggestion.value,
            "decision": state,
            "reason": suggestion.decision_reason,
        },
        issue=suggestion.issue,
    )


def _accept_label(suggestion, issue: Issue, actor: Actor, version: int, _close: bool) -> None:
    name = str(suggestion.value["label"]).strip()
    exists = Label.objects.filter(project_id=issue.project_id, name__iexact=name).exists()
    if not exists and not issue.project.triage_may_create_labels:
        raise ApplicationError(
            f"Project {issue.project.key} has no label {name!r} and does not let triage suggestions create "
            "labels: create the label, then accept again (or dismiss the suggestion).",
            type="label_not_in_project",
            status_code=409,
            label=name,
        )
    labels = [label.name for label in issue.labels.all()]
    if name.lower() not in {label.lower() for label in labels}:
        issue_update(issue=issue, version=version, actor=actor, labels=[*labels, name], create_missing_labels=True)


def _accept_field(suggestion, issue: Issue, actor: Actor, version: int, _close: bool) -> None:
    issue_update(issue=issue, version=version, actor=actor, **{suggestion.kind: suggestion.value[suggestion.kind]})


def _accept_duplicate(suggestion, issue: Issue, actor: Actor, version: int, close: bool) -> None:
    other = Issue.objects.filter(pk=suggestion.value.get("issue_id"), project_id=issue.project_id).first()
    if other is None:
        raise ApplicationError(
            "The issue this one was said to duplicate no longer exists.", type="duplicate_gone", status_code=409
        )
    newer, older = sorted((issue, other), key=lambda row: (row.created_at, row.pk), reverse=True)
    if older.duplicate_of_id == newer.pk:
        raise ApplicationError(
            f"{older.key} is already marked a duplicate of {newer.key}.", type="duplicate_cycle", status_code=409
        )
    changes: dict = {"duplicate_of": older}
    if close and newer.status not in FINISHED_STATUSES:
        changes["status"] = IssueStatus.CLOSED
    issue_update(issue=newer, version=version if newer.pk == issue.pk else None, actor=actor, **changes)


def _accept_question(suggestion, issue: Issue, actor: Actor, _version: int, _close: bool) -> None:
    from issues.jobs import QUESTION_POST

    suggestion.comment = comment_create(issue=issue, body=suggestion.value["question"], actor=actor)
    if issue.github_repository and issue.github_number:
        suggestion.save(update_fields=["comment"])
        QUESTION_POST.enqueue(suggestion.pk)


ACCEPT = {
    SuggestionKind.LABEL: _accept_label,
    SuggestionKind.PRIORITY: _accept_field,
    SuggestionKind.TYPE: _accept_field,
    SuggestionKind.DUPLICATE: _accept_duplicate,
    SuggestionKind.QUESTION: _accept_question,
}
