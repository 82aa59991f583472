"""triage_stats: per project and field, the shares of triage's decisions people accepted,
dismissed, or changed by hand within a week."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issues.actors import LLM, Actor
from issues.choices import SuggestionKind, SuggestionState
from issues.models import Activity
from issues.selectors import triage_stats
from issues.services.activity import activity_record
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, ProjectFactory, TriageSuggestionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def person():
    return Actor.of_user(UserFactory())


def _logged(*, actor, field, old, new, issue, at):
    entry = activity_record(actor=actor, field=field, old=old, new=new, issue=issue)
    Activity.objects.filter(pk=entry.pk).update(created_at=at)


def _decided(issue, kind, state, at=NOW):
    return TriageSuggestionFactory(issue=issue, kind=kind, value={kind: "x"}, state=state, decided_at=at)


def _row(rows, field):
    return next(row for row in rows if row["field"] == field)


def test_decided_suggestions_count_as_accepted_or_dismissed_per_field():
    issue = IssueFactory(project=ProjectFactory(key="WEB"))
    _decided(issue, SuggestionKind.LABEL, SuggestionState.ACCEPTED)
    _decided(issue, SuggestionKind.LABEL, SuggestionState.DISMISSED)
    _decided(issue, SuggestionKind.LABEL, SuggestionState.DISMISSED)
    _decided(issue, SuggestionKind.LABEL, SuggestionState.OPEN)
    _decided(issue, SuggestionKind.LABEL, SuggestionState.SUPERSEDED)

    labels = _row(triage_stats(), "labels")

    assert (labels["project_key"], labels["decisions"], labels["accepted"], labels["dismissed"]) == ("WEB", 3, 1, 2)
    assert (labels["accepted_share"], labels["dismissed_share"]) == (0.3333, 0.6667)


def test_a_priority_triage_set_and_a_person_changed_within_a_week_is_changed_by_hand(person):
    corrected = IssueFactory()
    kept = IssueFactory(project=corrected.project)
    for issue in (corrected, kept):
        _logged(actor=LLM, field="priority", old="medium", new="high", issue=issue, at=NOW - timedelta(days=10))
    _logged(actor=person, field="priority", old="high", new="low", issue=corrected, at=NOW - timedelta(days=8))
    _logged(actor=person, field="priority", old="high", new="low", issue=kept, at=NOW - timedelta(days=2))

    rows = triage_stats()

    assert [(row["field"], row["applied"], row["changed_by_hand"], row["changed_by_hand_share"]) for row in rows] == [
        ("priority", 2, 1, 0.5)
    ]


def test_a_label_triage_added_counts_as_changed_by_hand_only_when_a_person_removed_it(person):
    removed, other_change = IssueFactory(), IssueFactory(project=ProjectFactory(key="ZZZ"))
    for issue in (removed, other_change):
        _logged(actor=LLM, field="labels", old=["bug"], new=["bug", "ui"], issue=issue, at=NOW - timedelta(days=3))
    _logged(actor=person, field="labels", old=["bug", "ui"], new=["bug"], issue=removed, at=NOW - timedelta(days=1))
    _logged(actor=person, field="labels", old=["bug", "ui"], new=["bug", "ui", "x"], issue=other_change, at=NOW)

    rows = triage_stats()

    assert [(row["project"], row["changed_by_hand"], row["changed_by_hand_share"]) for row in rows] == [
        (removed.project_id, 1, 1.0),
        (other_change.project_id, 0, 0.0),
    ]


def test_stats_are_filtered_by_project_and_since():
    mine, other = IssueFactory(), IssueFactory()
    _decided(mine, SuggestionKind.TYPE, SuggestionState.ACCEPTED, at=NOW - timedelta(days=40))
    _decided(mine, SuggestionKind.TYPE, SuggestionState.DISMISSED, at=NOW - timedelta(days=1))
    _decided(other, SuggestionKind.TYPE, SuggestionState.DISMISSED, at=NOW - timedelta(days=1))

    rows = triage_stats(project=mine.project, since=NOW - timedelta(days=30))

    assert [(row["project"], row["field"], row["accepted"], row["dismissed"]) for row in rows] == [
        (mine.project_id, "type", 0, 1)
    ]


def test_duplicates_are_counted_from_their_suggestions():
    issue = IssueFactory()
    _decided(issue, SuggestionKind.DUPLICATE, SuggestionState.ACCEPTED)

    assert _row(triage_stats(), "duplicates")["accepted_share"] == 1.0
