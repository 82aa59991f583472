"""Accepting and dismissing triage suggestions: applied through the issue services, as the person."""

import pytest

from config.api.errors import ApplicationError, ConflictError
from config.jobs.state import JobState
from issues.choices import SuggestionKind, SuggestionState
from issues.models import Activity, Comment, Label
from issues.services import suggestion_accept, suggestion_dismiss
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory, TriageSuggestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(username="ana")


def _fresh(row):
    return type(row).objects.get(pk=row.pk)


def test_accepting_a_label_adds_it_to_the_issue(person):
    issue = IssueFactory()
    LabelFactory(project=issue.project, name="Needs-Design")
    suggestion = TriageSuggestionFactory(issue=issue, value={"label": "needs-design"})

    suggestion_accept(suggestion=suggestion, user=person)

    assert [label.name for label in _fresh(issue).labels.all()] == ["Needs-Design"]


def test_accepting_an_unknown_label_creates_it_when_the_project_allows(person):
    issue = IssueFactory(project=ProjectFactory(triage_may_create_labels=True))
    suggestion = TriageSuggestionFactory(issue=issue, value={"label": "needs-design"})

    suggestion_accept(suggestion=suggestion, user=person)

    assert list(Label.objects.filter(project=issue.project).values_list("name", flat=True)) == ["needs-design"]


def test_accepting_an_unknown_label_is_refused_when_the_project_does_not_allow_and_nothing_changes(person):
    issue = IssueFactory()
    suggestion = TriageSuggestionFactory(issue=issue, value={"label": "needs-design"})

    with pytest.raises(ApplicationError) as refused:
        suggestion_accept(suggestion=suggestion, user=person)

    assert (refused.value.status_code, refused.value.type) == (409, "label_not_in_project")
    assert (_fresh(suggestion).state, Label.objects.count(), _fresh(issue).version) == ("open", 0, issue.version)


def test_an_accepted_priority_is_set_and_owned_by_the_person(person):
    issue = IssueFactory(priority="medium", priority_set_by_human=False)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})

    suggestion_accept(suggestion=suggestion, user=person)

    issue = _fresh(issue)
    assert (issue.priority, issue.priority_set_by_human) == ("high", True)
    assert Activity.objects.get(issue=issue, field="priority").actor == person


def test_an_accepted_type_is_set(person):
    issue = IssueFactory(type="bug", type_set_by_human=True)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.TYPE, value={"type": "feature"})

    suggestion_accept(suggestion=suggestion, user=person)

    assert _fresh(issue).type == "feature"


def test_an_accepted_duplicate_links_the_newer_issue_to_the_older(person):
    older = IssueFactory()
    newer = IssueFactory(project=older.project)
    suggestion = TriageSuggestionFactory(
        issue=newer, kind=SuggestionKind.DUPLICATE, value={"number": older.number, "issue_id": older.pk, "reason": "x"}
    )

    suggestion_accept(suggestion=suggestion, user=person)

    assert (_fresh(newer).duplicate_of_id, _fresh(newer).status) == (older.pk, "open")
    assert list(older.duplicates.all()) == [newer]


def test_an_accepted_duplicate_closes_the_newer_issue_when_asked(person):
    older = IssueFactory()
    newer = IssueFactory(project=older.project)
    suggestion = TriageSuggestionFactory(
        issue=newer, kind=SuggestionKind.DUPLICATE, value={"number": older.number, "issue_id": older.pk, "reason": ""}
    )

    suggestion_accept(suggestion=suggestion, user=person, close_duplicate=True)

    assert (_fresh(newer).status, _fresh(older).status) == ("closed", "open")


def test_a_duplicate_suggested_on_the_older_issue_still_marks_the_newer_one(person):
    older = IssueFactory()
    newer = IssueFactory(project=older.project)
    suggestion = TriageSuggestionFactory(
        issue=older, kind=SuggestionKind.DUPLICATE, value={"number": newer.number, "issue_id": newer.pk, "reason": ""}
    )

    suggestion_accept(suggestion=suggestion, user=person)

    assert (_fresh(newer).duplicate_of_id, _fresh(older).duplicate_of_id) == (older.pk, None)


def test_an_accepted_question_is_a_comment_by_the_person(person):
    issue = IssueFactory()
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.QUESTION, value={"question": "Which OS?"})

    suggestion_accept(suggestion=suggestion, user=person)

    comment = Comment.objects.get(issue=issue)
    assert (comment.body, comment.author, _fresh(suggestion).comment_id) == ("Which OS?", person, comment.pk)


def test_an_accepted_question_on_a_github_issue_requests_its_post(person, django_capture_on_commit_callbacks):
    issue = IssueFactory(github_repository="octo/hello", github_number=3)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.QUESTION, value={"question": "Which OS?"})

    with django_capture_on_commit_callbacks() as callbacks:
        suggestion_accept(suggestion=suggestion, user=person)

    assert (_fresh(suggestion).github_post_state, len(callbacks)) == (JobState.PENDING, 1)


def test_an_accepted_question_on_a_local_issue_posts_nothing(person):
    suggestion = TriageSuggestionFactory(kind=SuggestionKind.QUESTION, value={"question": "Which OS?"})

    suggestion_accept(suggestion=suggestion, user=person)

    assert _fresh(suggestion).github_post_state == JobState.SKIPPED


def test_accepting_records_the_decision_on_the_suggestion_and_in_the_history(person):
    issue = IssueFactory(priority_set_by_human=True)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "low"})

    suggestion_accept(suggestion=suggestion, user=person, reason="  agreed ")

    decided = _fresh(suggestion)
    assert (decided.state, decided.decided_by, decided.decision_reason) == ("accepted", person, "agreed")
    assert decided.decided_at is not None
    entry = Activity.objects.get(issue=issue, field="triage_suggestion")
    assert (entry.actor, entry.new_value["decision"], entry.new_value["kind"]) == (person, "accepted", "priority")


def test_dismissing_changes_nothing_on_the_issue_and_records_the_reason(person):
    issue = IssueFactory(priority="medium", priority_set_by_human=True)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})

    suggestion_dismiss(suggestion=suggestion, user=person, reason="Only one user affected")

    assert (_fresh(issue).priority, _fresh(issue).version) == ("medium", issue.version)
    assert (_fresh(suggestion).state, _fresh(suggestion).decision_reason) == ("dismissed", "Only one user affected")
    assert Activity.objects.get(issue=issue, field="triage_suggestion").new_value["decision"] == "dismissed"


@pytest.mark.parametrize("state", [SuggestionState.ACCEPTED, SuggestionState.DISMISSED, SuggestionState.SUPERSEDED])
def test_a_suggestion_no_longer_open_cannot_be_decided(person, state):
    suggestion = TriageSuggestionFactory(state=state)

    with pytest.raises(ApplicationError) as refused:
        suggestion_dismiss(suggestion=suggestion, user=person)

    assert (refused.value.status_code, refused.value.type) == (409, "already_decided")


def test_accepting_with_a_stale_issue_version_is_a_conflict_and_changes_nothing(person):
    issue = IssueFactory(priority="medium", priority_set_by_human=True)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})

    with pytest.raises(ConflictError):
        suggestion_accept(suggestion=suggestion, user=person, version=issue.version + 1)

    assert (_fresh(issue).priority, _fresh(suggestion).state) == ("medium", "open")
