"""Triage and planning through a real worker, without an LLM configured."""

import pytest

from config.jobs.state import JobState
from issues.actors import SYSTEM
from issues.models import Issue, TriageRule
from issues.services import issue_create
from tests.issues.factories import LabelFactory, ProjectFactory
from tests.worker import wait_for


@pytest.fixture(autouse=True)
def no_llm(settings):
    settings.OPENAI_API_KEY = ""


def _state(issue, job):
    return Issue.objects.values_list(f"{job}_state", flat=True).get(pk=issue.pk)


def test_a_new_issue_is_triaged_by_the_rules_after_commit(celery_worker):
    project = ProjectFactory(key="AUTO")
    rule = TriageRule.objects.create(project=project, name="docs", keywords="typo", type="docs", priority="low")
    rule.labels.set([LabelFactory(project=project, name="documentation")])

    issue = issue_create(project=project, title="Typo in the install guide", actor=SYSTEM)

    wait_for(lambda: _state(issue, "triage") == JobState.DONE)
    issue.refresh_from_db()
    assert (issue.type, issue.priority) == ("docs", "low")
    assert [label.name for label in issue.labels.all()] == ["documentation"]
    assert issue.triage_runs.get().note == "LLM not configured: rules triage"


def test_planning_without_an_llm_ends_failed_with_a_clear_error(celery_worker, user_client):
    issue = issue_create(project=ProjectFactory(key="NOLLM"), title="Add export", actor=SYSTEM)

    user_client.post(f"/api/issues/{issue.pk}/plan/")

    wait_for(lambda: _state(issue, "plan") == JobState.FAILED)
    issue.refresh_from_db()
    assert (issue.plan_error, issue.plan_attempts) == ("LLM not configured", 1)
