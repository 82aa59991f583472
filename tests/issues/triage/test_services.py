import pytest

from config.jobs.state import JobState
from issues.actors import Actor
from issues.jobs import TRIAGE
from issues.models import Issue, TriageRule
from issues.services import issue_update
from issues.triage.services import NOT_CONFIGURED_NOTE, issue_triage
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_llm(settings):
    settings.OPENAI_API_KEY = ""


@pytest.fixture
def project():
    project = ProjectFactory(key="TRI")
    rule = TriageRule.objects.create(project=project, name="crashes", keywords="crash", type="bug", priority="high")
    rule.labels.set([LabelFactory(project=project, name="crash")])
    return project


def _triage(issue):
    TRIAGE.claim(issue.pk)
    run = issue_triage(issue_id=issue.pk)
    return run, Issue.objects.get(pk=issue.pk)


def test_without_an_llm_the_rules_triage_and_say_so(project):
    issue = IssueFactory(project=project, title="Crash when saving", type="question", priority="low")

    run, issue = _triage(issue)

    assert (run.engine, run.note) == ("rules", NOT_CONFIGURED_NOTE)
    assert (issue.type, issue.priority) == ("bug", "high")
    assert [label.name for label in issue.labels.all()] == ["crash"]
    assert run.applied["labels_added"] == ["crash"]
    assert (issue.triage_state, issue.triaged_at is not None) == (JobState.DONE, True)


def test_triage_never_removes_a_label_a_person_set(project):
    mine = LabelFactory(project=project, name="customer")
    issue = IssueFactory(project=project, title="Crash when saving", labels=[mine])

    _run, issue = _triage(issue)

    assert sorted(label.name for label in issue.labels.all()) == ["crash", "customer"]


def test_a_priority_set_by_a_person_is_kept_and_the_suggestion_recorded(project, staff_user):
    issue = IssueFactory(project=project, title="Crash when saving")
    issue_update(issue=issue, version=issue.version, actor=Actor.of_user(staff_user), priority="low")

    run, issue = _triage(issue)

    assert issue.priority == "low"
    assert run.suggestions["priority"] == {"suggested": "high", "kept": "low", "reason": "set by a person"}
    assert issue.type == "bug"


def test_each_run_is_kept(project):
    issue = IssueFactory(project=project, title="Crash when saving")

    _triage(issue)
    TRIAGE.request(issue.pk)
    _triage(issue)

    assert issue.triage_runs.count() == 2
