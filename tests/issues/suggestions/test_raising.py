"""A triage run leaves suggestion rows for what it proposed and did not apply (fake LLM, real HTTP)."""

import pytest

from issues.choices import SuggestionKind, SuggestionState
from issues.jobs import TRIAGE
from issues.models import Issue, TriageSuggestion
from issues.services import suggestion_accept, suggestion_dismiss
from issues.triage.services import issue_triage
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _answer(**fields):
    return {
        "type": "bug",
        "priority": "medium",
        "labels": [],
        "summary": "Saving fails.",
        "confidence": 0.8,
        "duplicates": [],
        "questions": [],
        **fields,
    }


@pytest.fixture(autouse=True)
def no_answer_cache(settings):
    settings.LLM_CACHE_TTL_S = 0  # every triage asks the fake LLM for its scripted answer


@pytest.fixture
def project():
    project = ProjectFactory(key="SUG")
    LabelFactory(project=project, name="ui")
    return project


def _triage(issue, fake_openai, **answer):
    fake_openai.add_reply(_answer(**answer))
    TRIAGE.claim(issue.pk)
    return issue_triage(issue_id=issue.pk)


def _open(issue):
    return [(s.kind, s.value) for s in TriageSuggestion.objects.filter(issue=issue, state="open").order_by("id")]


def test_a_label_the_project_lacks_is_suggested_and_a_known_one_applied(project, fake_openai):
    issue = IssueFactory(project=project)

    run = _triage(issue, fake_openai, labels=["ui", "needs-design"])

    assert [label.name for label in issue.labels.all()] == ["ui"]
    [suggestion] = run.suggestion_rows.all()
    assert (suggestion.kind, suggestion.value, suggestion.state) == ("label", {"label": "needs-design"}, "open")
    assert "create it first" in suggestion.why


def test_a_priority_a_person_owns_is_suggested_not_set(project, fake_openai):
    issue = IssueFactory(project=project, priority="low", priority_set_by_human=True)

    _triage(issue, fake_openai, priority="critical")

    assert Issue.objects.get(pk=issue.pk).priority == "low"
    assert _open(issue) == [("priority", {"priority": "critical"})]


def test_likely_duplicates_and_questions_are_suggested(project, fake_openai):
    older = IssueFactory(project=project)
    issue = IssueFactory(project=project)

    _triage(
        issue,
        fake_openai,
        duplicates=[{"number": older.number, "reason": "Same"}, {"number": 999, "reason": "Made up"}],
        questions=["Which browser?"],
    )

    assert _open(issue) == [
        ("duplicate", {"number": older.number, "issue_id": older.pk, "reason": "Same"}),
        ("question", {"question": "Which browser?"}),
    ]


def test_a_new_triage_supersedes_the_open_suggestions_of_the_previous_one(project, fake_openai):
    issue = IssueFactory(project=project)
    first = _triage(issue, fake_openai, questions=["Which browser?"])

    second = _triage(issue, fake_openai, questions=["Which version?"])

    assert list(first.suggestion_rows.values_list("state", flat=True)) == [SuggestionState.SUPERSEDED]
    assert [s.value["question"] for s in second.suggestion_rows.filter(state="open")] == ["Which version?"]


def test_a_suggestion_a_person_dismissed_is_not_raised_again_for_the_issue(project, fake_openai):
    issue = IssueFactory(project=project)
    run = _triage(issue, fake_openai, labels=["needs-design"])
    suggestion_dismiss(suggestion=run.suggestion_rows.get(), user=UserFactory(), reason="Not tracked")

    again = _triage(issue, fake_openai, labels=["Needs-Design"])

    assert again.suggestion_rows.count() == 0


def test_an_issue_a_person_marked_a_duplicate_gets_no_more_duplicate_suggestions(project, fake_openai):
    older, other = IssueFactory(project=project), IssueFactory(project=project)
    issue = IssueFactory(project=project)
    run = _triage(issue, fake_openai, duplicates=[{"number": older.number, "reason": "Same"}])
    suggestion_accept(suggestion=run.suggestion_rows.get(), user=UserFactory())

    again = _triage(issue, fake_openai, duplicates=[{"number": other.number, "reason": "Also"}])

    assert again.suggestion_rows.filter(kind=SuggestionKind.DUPLICATE).count() == 0
