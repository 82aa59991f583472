"""Planning through a real worker and the fake OpenAI server."""

import pytest

from config.jobs.state import JobState
from issues.actors import Actor
from issues.jobs import TRIAGE
from issues.models import Issue, PlanRun, Task
from issues.services import task_update
from llm.models import LLMCall
from tests.issues.factories import IssueFactory, ProjectFactory
from tests.worker import wait_for


def _plan(*titles, risks=("The API may change",)):
    return {
        "tasks": [
            {"title": title, "description": f"Do: {title}", "estimated_hours": 2.5 + n}
            for n, title in enumerate(titles)
        ],
        "risks": list(risks),
    }


@pytest.fixture
def issue():
    issue = IssueFactory(project=ProjectFactory(key="PLAN"), title="Add CSV export", priority="high")
    TRIAGE.complete(issue.pk)
    return issue


def _planned(issue, client, runs):
    assert client.post(f"/api/issues/{issue.pk}/plan/").status_code == 202
    wait_for(lambda: PlanRun.objects.filter(issue=issue).count() == runs, timeout=30)
    wait_for(lambda: Issue.objects.get(pk=issue.pk).plan_state == JobState.DONE)
    return PlanRun.objects.filter(issue=issue).first()


def _titles(issue):
    return list(Task.objects.filter(issue=issue).order_by("order").values_list("title", flat=True))


def test_planning_creates_ordered_tasks_with_estimates_and_risks(celery_worker, fake_openai, issue, user_client):
    fake_openai.add_reply(_plan("Write the query", "Stream the CSV", "Document the endpoint"))

    run = _planned(issue, user_client, runs=1)

    tasks = list(Task.objects.filter(issue=issue).order_by("order"))
    assert [task.title for task in tasks] == ["Write the query", "Stream the CSV", "Document the endpoint"]
    assert [float(task.estimated_hours) for task in tasks] == [2.5, 3.5, 4.5]
    assert {(task.project_id, task.status, task.priority) for task in tasks} == {(issue.project_id, "todo", 2)}
    assert run.risks == ["The API may change"]
    assert list(run.tasks.order_by("order")) == tasks
    assert run.llm_call_id == LLMCall.objects.get(purpose="issues.plan").pk


def test_replanning_keeps_started_and_edited_tasks_and_replaces_the_rest(
    celery_worker, fake_openai, issue, user, user_client
):
    fake_openai.add_reply(_plan("Write the query", "Stream the CSV", "Document the endpoint"))
    _planned(issue, user_client, runs=1)
    started = Task.objects.get(issue=issue, title="Stream the CSV")
    task_update(task=started, version=started.version, actor=Actor.of_user(user), status="in_progress")
    edited = Task.objects.get(issue=issue, title="Document the endpoint")
    task_update(task=edited, version=edited.version, actor=Actor.of_user(user), description="Mine now")
    fake_openai.add_reply(_plan("Write a faster query", "Add a download button"))

    run = _planned(issue, user_client, runs=2)

    assert _titles(issue) == [
        "Stream the CSV",
        "Document the endpoint",
        "Write a faster query",
        "Add a download button",
    ]
    assert (sorted(run.kept_task_ids), run.replaced_count) == (sorted([started.pk, edited.pk]), 1)
    second_prompt = next(m["content"] for m in fake_openai.requests[1]["messages"] if m["role"] == "user")
    assert "[in_progress] Stream the CSV" in second_prompt


def test_malformed_llm_output_is_retried_until_valid(celery_worker, fake_openai, issue, user_client):
    fake_openai.add_malformed()
    fake_openai.add_reply(_plan("Only task"))

    _planned(issue, user_client, runs=1)

    assert _titles(issue) == ["Only task"]
