"""Selector: how triage is doing, from what people decided (per project and field).

For each field (priority, type, labels, duplicates), a triage decision is a value triage applied
(an activity row by the LLM or the rules) or a suggestion a person decided. Of those, the shares
a person accepted, dismissed, or changed by hand within a week after triage applied it.
`since`: decisions from then on (suggestions by decision time, applied values by write time)."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Count

from issues.choices import DECIDED_SUGGESTION_STATES, SuggestionKind, SuggestionState
from issues.models import Project, TriageSuggestion
from issues.suggestions.history import corrected_within_window, labels_corrected, triage_writes

# {stats field: the suggestion kind deciding it}; the activity field is the stats field's own
# name for the fields triage applies (priority, type, labels), duplicates are only suggested.
STATS_FIELDS = {
    "priority": SuggestionKind.PRIORITY,
    "type": SuggestionKind.TYPE,
    "labels": SuggestionKind.LABEL,
    "duplicates": SuggestionKind.DUPLICATE,
}
FIELD_OF_KIND = {kind: field for field, kind in STATS_FIELDS.items()}
COUNTS = ("applied", "accepted", "dismissed", "changed_by_hand")


def triage_stats(*, project: Project | None = None, since: datetime | None = None) -> list[dict]:
    """One row per project and field that has decisions, by project key then field:
    {project, project_key, field, decisions, applied, accepted, dismissed, changed_by_hand,
    accepted_share, dismissed_share, changed_by_hand_share} (shares of `decisions`, 0 to 1)."""
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    decided = TriageSuggestion.objects.filter(state__in=DECIDED_SUGGESTION_STATES)
    writes = triage_writes()
    if project is not None:
        decided = decided.filter(issue__project=project)
        writes = writes.filter(issue__project=project)
    if since is not None:
        decided = decided.filter(decided_at__gte=since)
        writes = writes.filter(created_at__gte=since)

    for row in decided.values("issue__project_id", "kind", "state").annotate(n=Count("id")).order_by():
        key = "accepted" if row["state"] == SuggestionState.ACCEPTED else "dismissed"
        counts[(row["issue__project_id"], FIELD_OF_KIND[row["kind"]])][key] += row["n"]

    applied = corrected_within_window(writes).values(
        "id", "issue_id", "field", "created_at", "old_value", "new_value", "changed_after", "issue__project_id"
    )
    removals_to_check = []  # label writes a person changed the labels after: did they remove one?
    for row in applied:
        cell = counts[(row["issue__project_id"], row["field"])]
        cell["applied"] += 1
        if row["changed_after"] and row["field"] == "labels":
            removals_to_check.append(row)
        elif row["changed_after"]:
            cell["changed_by_hand"] += 1
    corrected = labels_corrected(removals_to_check)
    for row in removals_to_check:
        if row["id"] in corrected:
            counts[(row["issue__project_id"], "labels")]["changed_by_hand"] += 1

    keys = dict(Project.objects.filter(pk__in={project_id for project_id, _ in counts}).values_list("pk", "key"))
    order = list(STATS_FIELDS)
    rows = [_row(project_id, keys[project_id], field, cell) for (project_id, field), cell in counts.items()]
    return sorted(rows, key=lambda row: (row["project_key"], order.index(row["field"])))


def _row(project_id: int, project_key: str, field: str, cell: dict[str, int]) -> dict:
    decisions = cell["applied"] + cell["accepted"] + cell["dismissed"]
    return {
        "project": project_id,
        "project_key": project_key,
        "field": field,
        "decisions": decisions,
        **cell,
        **{f"{name}_share": round(cell[name] / decisions, 4) for name in ("accepted", "dismissed", "changed_by_hand")},
    }
