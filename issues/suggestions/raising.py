"""The suggestion rows a triage run leaves for people (called inside the run's transaction).

A new run supersedes the open suggestions of the runs before it, and does not raise again what
a person already decided for this issue (the same kind and value: a label by name in any case,
a priority or type, a duplicate by number, a question by its words)."""

from dataclasses import dataclass

from issues.choices import DECIDED_SUGGESTION_STATES, SuggestionKind, SuggestionState
from issues.models import Issue, TriageRun, TriageSuggestion


@dataclass(frozen=True)
class Proposal:
    kind: str
    value: dict
    why: str


def suggestion_identity(kind: str, value: dict) -> tuple[str, object]:
    """What makes two suggestions of an issue the same one."""
    if kind == SuggestionKind.LABEL:
        return kind, str(value.get("label", "")).strip().casefold()
    if kind == SuggestionKind.DUPLICATE:
        return kind, value.get("number")
    if kind == SuggestionKind.QUESTION:
        return kind, " ".join(str(value.get("question", "")).split()).casefold()
    return kind, value.get(kind)


def decided_identities(issue: Issue) -> set[tuple[str, object]]:
    decided = TriageSuggestion.objects.filter(issue=issue, state__in=DECIDED_SUGGESTION_STATES)
    return {suggestion_identity(kind, value) for kind, value in decided.values_list("kind", "value")}


def not_decided_before(issue: Issue, proposals: list[Proposal]) -> list[Proposal]:
    """The proposals a person has not decided for this issue yet, each once."""
    skip = decided_identities(issue)
    kept = []
    for proposal in proposals:
        identity = suggestion_identity(proposal.kind, proposal.value)
        if identity not in skip:
            skip.add(identity)
            kept.append(proposal)
    return kept


def suggestions_raise(*, issue: Issue, run: TriageRun, proposals: list[Proposal]) -> list[TriageSuggestion]:
    """Supersede the issue's open suggestions and create the run's (already filtered by
    `not_decided_before`)."""
    TriageSuggestion.objects.filter(issue=issue, state=SuggestionState.OPEN).exclude(run=run).update(
        state=SuggestionState.SUPERSEDED
    )
    return TriageSuggestion.objects.bulk_create(
        [
            TriageSuggestion(issue=issue, run=run, kind=proposal.kind, value=proposal.value, why=proposal.why[:300])
            for proposal in proposals
        ]
    )
