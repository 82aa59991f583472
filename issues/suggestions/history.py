"""What triage did and what people then did about it, in the activity history.

Triage's writes are activity rows by the LLM (or the rules); a person's are rows by a user or a
person on GitHub. A hand correction is a person's change of a field within a week after triage
set it: for priority and type any change, for labels the removal of a label triage added."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from issues.actors import ACTIVITY_ACTOR_TYPES
from issues.choices import ActorType
from issues.models import Activity

CORRECTION_WINDOW = timedelta(days=7)
# The fields triage sets that people correct (activity field names).
CORRECTED_FIELDS = ("priority", "type", "labels")
BY_TRIAGE = Q(actor_type=ActorType.LLM) | Q(actor_type=ActorType.AUTOMATION, actor_name="rules")
# People: in the app, on GitHub, or through an integration (issues/actors.py).
BY_PERSON = Q(actor_type__in=ACTIVITY_ACTOR_TYPES)


def triage_writes() -> QuerySet:
    return Activity.objects.filter(BY_TRIAGE, field__in=CORRECTED_FIELDS, issue__isnull=False)


def person_changes() -> QuerySet:
    return Activity.objects.filter(BY_PERSON, field__in=CORRECTED_FIELDS, issue__isnull=False)


def labels_added(entry: Activity | dict) -> set[str]:
    old, new = _values(entry)
    return {str(name).lower() for name in new or ()} - {str(name).lower() for name in old or ()}


def labels_removed(entry: Activity | dict) -> set[str]:
    old, new = _values(entry)
    return {str(name).lower() for name in old or ()} - {str(name).lower() for name in new or ()}


def _values(entry) -> tuple:
    if isinstance(entry, dict):
        return entry["old_value"], entry["new_value"]
    return entry.old_value, entry.new_value


def corrected_within_window(writes: QuerySet) -> QuerySet:
    """`writes` (triage's) annotated `changed_after`: a person changed the same field of the same
    issue within the window after (for labels, any change: `labels_corrected` tells removals)."""
    later = person_changes().filter(
        issue_id=OuterRef("issue_id"),
        field=OuterRef("field"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + CORRECTION_WINDOW,
    )
    return writes.annotate(changed_after=Exists(later))


def labels_corrected(writes: list[dict]) -> set[int]:
    """The ids among triage's label writes (dicts with id, issue_id, created_at, old_value,
    new_value) of which a person removed an added label within the window."""
    if not writes:
        return set()
    start = min(write["created_at"] for write in writes)
    end = max(write["created_at"] for write in writes) + CORRECTION_WINDOW
    changes: dict[int, list[dict]] = {}
    for change in (
        person_changes()
        .filter(field="labels", issue_id__in={write["issue_id"] for write in writes}, created_at__gt=start)
        .filter(created_at__lte=end)
        .values("issue_id", "created_at", "old_value", "new_value")
    ):
        changes.setdefault(change["issue_id"], []).append(change)
    corrected = set()
    for write in writes:
        added = labels_added(write)
        window_end = write["created_at"] + CORRECTION_WINDOW
        if any(
            write["created_at"] < change["created_at"] <= window_end and labels_removed(change) & added
            for change in changes.get(write["issue_id"], ())
        ):
            corrected.add(write["id"])
    return corrected
