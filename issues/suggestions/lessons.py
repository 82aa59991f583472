"""Selector: what people of a project recently decided against triage, as lines for the triage
prompt (issues/triage/prompts.py), so it stops proposing what they dismissed or corrected.

The most recent dismissals (with their reasons) and hand corrections (a person changed a value
within a week after triage set it: issues/suggestions/history.py), newest first."""

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from issues.choices import SuggestionKind, SuggestionState
from issues.models import Activity, TriageSuggestion
from issues.suggestions.history import CORRECTION_WINDOW, labels_removed, person_changes, triage_writes

LESSONS_PER_KIND = 8
# Only the last months count: older decisions say less about the project now, and the bound keeps
# the query (on every LLM triage) a range of the newest rows, not a walk through the history.
LESSONS_MAX_AGE = timedelta(days=90)
TITLE_CHARS = 120


def triage_lessons(*, project_id: int, limit: int = LESSONS_PER_KIND) -> list[str]:
    """Up to `limit` dismissals, then up to `limit` hand corrections, as prompt lines."""
    since = timezone.now() - LESSONS_MAX_AGE
    dismissed = (
        TriageSuggestion.objects.filter(
            issue__project_id=project_id, state=SuggestionState.DISMISSED, decided_at__gte=since
        )
        .select_related("issue")
        .order_by("-decided_at", "-id")[:limit]
    )
    lines = [
        f"{_issue(suggestion.issue)}: dismissed {_proposal(suggestion)}{_reason(suggestion)}"
        for suggestion in dismissed
    ]
    return lines + [_correction(change) for change in _corrections(project_id, limit, since)]


def _corrections(project_id: int, limit: int, since) -> list[Activity]:
    set_by_triage = triage_writes().filter(
        issue_id=OuterRef("issue_id"),
        field=OuterRef("field"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - CORRECTION_WINDOW,
    )
    changes = (
        person_changes()
        .filter(Exists(set_by_triage), issue__project_id=project_id, created_at__gte=since)
        .select_related("issue")
        .order_by("-created_at", "-id")[: limit * 3]
    )
    # A person's label change corrects triage when it removes a label (adding one is agreement).
    return [change for change in changes if change.field != "labels" or labels_removed(change)][:limit]


def _issue(issue) -> str:
    title = " ".join(issue.title.split())[:TITLE_CHARS]
    return f'#{issue.number} "{title}"'


def _proposal(suggestion: TriageSuggestion) -> str:
    value = suggestion.value
    if suggestion.kind == SuggestionKind.LABEL:
        return f'label "{value.get("label")}"'
    if suggestion.kind == SuggestionKind.DUPLICATE:
        return f"duplicate of #{value.get('number')}"
    if suggestion.kind == SuggestionKind.QUESTION:
        return f'question "{" ".join(str(value.get("question", "")).split())[:200]}"'
    return f"{suggestion.kind} {value.get(suggestion.kind)}"


def _reason(suggestion: TriageSuggestion) -> str:
    reason = " ".join(suggestion.decision_reason.split())
    return f" (reason: {reason})" if reason else " (no reason given)"


def _correction(change: Activity) -> str:
    if change.field == "labels":
        removed = ", ".join(sorted(name for name in change.old_value or () if name.lower() in labels_removed(change)))
        return f"{_issue(change.issue)}: a person removed label {removed} that triage had added"
    return (
        f"{_issue(change.issue)}: triage set {change.field} {change.old_value}; "
        f"a person changed it to {change.new_value}"
    )
