"""Triage through a real worker and the fake OpenAI server (real HTTP, Chat Completions format)."""

import json
import re

import pytest

from config.jobs.state import JobState
from issues.actors import SYSTEM, Actor
from issues.models import Issue, TriageRule
from issues.services import issue_create, issue_update
from llm.models import LLMCall
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory
from tests.issues.triage.similar_data import DECOYS, NEW_REPORT, REWORDED_DUPLICATE, UNRELATED
from tests.worker import wait_for


def _answer(**fields):
    answer = {
        "type": "bug",
        "priority": "medium",
        "labels": [],
        "summary": "Saving fails for every user.",
        "confidence": 0.8,
        "duplicates": [],
        "questions": [],
    }
    return {**answer, **fields}


@pytest.fixture
def project():
    project = ProjectFactory(key="LLM")
    LabelFactory(project=project, name="ui", description="Layout, buttons, screens")
    LabelFactory(project=project, name="security", description="Anything an attacker could use")
    return project


def _triaged(issue, runs=1):
    wait_for(lambda: Issue.objects.get(pk=issue.pk).triage_runs.count() >= runs, timeout=30)
    wait_for(lambda: Issue.objects.get(pk=issue.pk).triage_state == JobState.DONE)
    return Issue.objects.get(pk=issue.pk)


def _user_prompt(request_body) -> str:
    return next(m["content"] for m in request_body["messages"] if m["role"] == "user")


def test_a_new_issue_is_triaged_by_the_llm_after_commit(celery_worker, fake_openai, project):
    fake_openai.add_reply(
        _answer(type="feature", priority="high", labels=["ui"], confidence=0.9, questions=["Which browser?"])
    )

    issue = _triaged(issue_create(project=project, title="Save button does nothing", actor=SYSTEM))

    assert (issue.type, issue.priority, issue.summary) == ("feature", "high", "Saving fails for every user.")
    assert [label.name for label in issue.labels.all()] == ["ui"]
    assert issue.triage_confidence == 0.9
    run = issue.triage_runs.get()
    assert (run.engine, run.llm_call_id) == ("llm", LLMCall.objects.get(purpose="issues.triage").pk)
    assert run.suggestions["questions"] == ["Which browser?"]
    assert "- ui: Layout, buttons, screens" in _user_prompt(fake_openai.requests[0])


def test_only_labels_of_the_issues_project_are_applied(celery_worker, fake_openai, project):
    LabelFactory(project=ProjectFactory(key="ELSE"), name="billing")
    fake_openai.add_reply(_answer(labels=["UI", "billing", "made-up"]))

    issue = _triaged(issue_create(project=project, title="Layout broken", actor=SYSTEM))

    assert [label.name for label in issue.labels.all()] == ["ui"]
    assert issue.triage_runs.get().suggestions["unknown_labels"] == ["billing", "made-up"]


def test_rules_may_add_labels_but_the_llm_decides_priority(celery_worker, fake_openai, project):
    rule = TriageRule.objects.create(project=project, name="sec", keywords="password", priority="critical")
    rule.labels.set(project.labels.filter(name="security"))
    fake_openai.add_reply(_answer(priority="low", labels=["ui"]))

    issue = _triaged(issue_create(project=project, title="Password field misaligned", actor=SYSTEM))

    assert sorted(label.name for label in issue.labels.all()) == ["security", "ui"]
    assert issue.priority == "low"


def test_a_priority_set_by_hand_is_kept_and_the_suggestion_recorded(
    celery_worker, fake_openai, project, staff_user, staff_client
):
    fake_openai.add_reply(_answer(priority="medium"))
    issue = _triaged(issue_create(project=project, title="Export is slow", actor=SYSTEM))
    issue_update(issue=issue, version=issue.version, actor=Actor.of_user(staff_user), priority="low")
    fake_openai.add_reply(_answer(priority="critical"))

    assert staff_client.post(f"/api/issues/{issue.pk}/triage/").status_code == 202

    issue = _triaged(issue, runs=2)
    assert issue.priority == "low"
    latest = issue.triage_runs.first()
    assert latest.suggestions["priority"] == {"suggested": "critical", "kept": "low", "reason": "set by a person"}


def test_a_summary_written_by_staff_survives_a_re_triage(celery_worker, fake_openai, project, staff_client):
    fake_openai.add_reply(_answer(summary="Export is slow."))
    issue = _triaged(issue_create(project=project, title="Export is slow", actor=SYSTEM))
    edited = staff_client.patch(
        f"/api/issues/{issue.pk}/",
        # A new body too: the second triage then asks the LLM again rather than reading its cache.
        {"version": issue.version, "summary": "Export of 10k rows takes 4 min (ACME).", "body": "10k rows."},
    )
    assert edited.json()["summary_set_by_human"] is True
    fake_openai.add_reply(_answer(summary="Exports are slow for some users."))

    assert staff_client.post(f"/api/issues/{issue.pk}/triage/").status_code == 202

    issue = _triaged(issue, runs=2)
    assert issue.summary == "Export of 10k rows takes 4 min (ACME)."
    latest = issue.triage_runs.first()
    assert latest.suggestions["summary"] == {
        "suggested": "Exports are slow for some users.",
        "reason": "written by a person",
    }
    assert "summary" not in latest.applied


def test_a_reworded_duplicate_is_found_among_fifty_issues(celery_worker, fake_openai, project):
    for fields in UNRELATED + DECOYS:
        IssueFactory(project=project, **fields)
    duplicate = IssueFactory(project=project, **REWORDED_DUPLICATE)

    def pick_the_most_similar(body):
        listed = _user_prompt(body).split("Similar open issues")[1]
        numbers = [int(n) for n in re.findall(r"^#(\d+):", listed, flags=re.MULTILINE)]
        duplicates = [{"number": numbers[0], "reason": "same crash"}, {"number": 9999, "reason": "made up"}]
        return json.dumps(_answer(duplicates=duplicates))

    fake_openai.set_responder(pick_the_most_similar)

    issue = _triaged(issue_create(project=project, actor=SYSTEM, **NEW_REPORT))

    run = issue.triage_runs.get()
    assert run.suggestions["duplicates"] == [
        {"number": duplicate.number, "issue_id": duplicate.pk, "reason": "same crash"}
    ]
    assert [item["number"] for item in run.suggestions["rejected_duplicates"]] == [9999]
    assert _user_prompt(fake_openai.requests[0]).count("\n#") == 5


def test_a_provider_error_is_retried_and_the_attempts_counted(celery_worker, fake_openai, project):
    fake_openai.add_error(500)
    fake_openai.add_reply(_answer(priority="high"))

    issue = _triaged(issue_create(project=project, title="Crash on start", actor=SYSTEM))

    assert (issue.priority, issue.triage_attempts) == ("high", 2)


def test_a_permanent_provider_error_ends_failed_with_the_error(celery_worker, fake_openai, project):
    fake_openai.add_error(401)

    issue = issue_create(project=project, title="Crash on start", actor=SYSTEM)

    wait_for(lambda: Issue.objects.get(pk=issue.pk).triage_state == JobState.FAILED, timeout=30)
    issue.refresh_from_db()
    assert issue.triage_error
    assert issue.triage_attempts == 1
    assert not issue.triage_runs.exists()
