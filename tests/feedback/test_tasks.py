"""End to end through a real Celery worker and the fake OpenAI server (real HTTP)."""

import json

import pytest

from config.jobs.state import JobState
from feedback.choices import AdjustmentState
from feedback.models import Feedback
from feedback.tasks import process_feedback
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory, ProjectFactory, TaskFactory, suggestion
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def post_feedback(client, project, text="The export takes minutes and nobody uses PDF.") -> int:
    response = client.post("/api/feedback/", {"project": project.pk, "text": text}, format="json")
    assert response.status_code == 202
    return response.json()["id"]


def finished(feedback_id, state=JobState.DONE):
    return lambda: Feedback.objects.filter(pk=feedback_id, state=state).first()


@pytest.fixture
def plan():
    project = ProjectFactory()
    export = TaskFactory(project=project, title="CSV export", priority=3, estimated_hours=2)
    pdf = TaskFactory(project=project, title="PDF export", priority=4)
    return project, export, pdf


def test_feedback_becomes_proposed_adjustments_of_several_types(celery_worker, fake_openai, user_client, plan):
    project, export, pdf = plan
    fake_openai.add_reply(
        {
            "summary": "Export is too slow; PDF is unused.",
            "adjustments": [
                suggestion("task_priority", task_id=export.pk, priority=1),
                suggestion("task_estimate", task_id=export.pk, estimated_hours=6),
                suggestion("remove_task", task_id=pdf.pk),
                suggestion("new_task", title="Profile the export query", priority=2),
                suggestion("general", description="Ask users which formats they need."),
            ],
        }
    )

    feedback = wait_for(finished(post_feedback(user_client, project)))

    adjustments = list(feedback.adjustments.order_by("id"))
    assert [a.type for a in adjustments] == ["task_priority", "task_estimate", "remove_task", "new_task", "general"]
    assert {a.state for a in adjustments} == {AdjustmentState.PROPOSED}
    assert [a.task_version for a in adjustments[:3]] == [export.version, export.version, pdf.version]
    assert (feedback.summary, feedback.dropped_count, feedback.llm_call_id is not None) == (
        "Export is too slow; PDF is unused.",
        0,
        True,
    )


def test_an_adjustment_naming_another_projects_task_is_dropped_and_counted(
    celery_worker, fake_openai, user_client, plan
):
    project, export, _ = plan
    foreign = TaskFactory(project=ProjectFactory(), title="Someone else's task")
    fake_openai.add_reply(
        {
            "summary": "Speed up export.",
            "adjustments": [
                suggestion("task_priority", task_id=foreign.pk, priority=1),
                suggestion("task_priority", task_id=export.pk, priority=1),
            ],
        }
    )

    feedback = wait_for(finished(post_feedback(user_client, project)))

    assert [a.task_id for a in feedback.adjustments.all()] == [export.pk]
    assert feedback.dropped_count == 1
    assert foreign.adjustments.count() == 0


def test_the_llm_is_shown_open_tasks_and_recent_rejections(celery_worker, fake_openai, user_client, plan):
    project, export, pdf = plan
    finished_task = TaskFactory(project=project, title="Old login page", status="done")
    AdjustmentFactory(
        feedback=FeedbackFactory(project=project),
        task=pdf,
        state=AdjustmentState.REJECTED,
        rejection_reason="PDF is contractual",
    )
    fake_openai.add_reply({"summary": "Nothing to change.", "adjustments": []})

    wait_for(finished(post_feedback(user_client, project)))

    context = json.loads(fake_openai.requests[-1]["messages"][-1]["content"])
    assert sorted(task["id"] for task in context["open_tasks"]) == sorted([export.pk, pdf.pk])
    assert finished_task.pk not in [task["id"] for task in context["open_tasks"]]
    assert [r["rejection_reason"] for r in context["recently_rejected"]] == ["PDF is contractual"]


def test_an_llm_outage_ends_failed_and_a_rerun_succeeds(
    celery_worker, fake_openai, user_client, staff_client, plan, monkeypatch
):
    project, export, _ = plan
    monkeypatch.setattr(process_feedback, "max_retries", 1)
    fake_openai.add_error(503)
    fake_openai.add_error(503)

    feedback_id = post_feedback(user_client, project)
    failed = wait_for(finished(feedback_id, JobState.FAILED), timeout=30)

    assert (failed.attempts, failed.adjustments.count()) == (2, 0)
    assert failed.error

    fake_openai.add_reply(
        {"summary": "Back.", "adjustments": [suggestion("task_priority", task_id=export.pk, priority=2)]}
    )
    assert staff_client.post(f"/api/feedback/{feedback_id}/rerun/").status_code == 202

    done = wait_for(finished(feedback_id))
    assert (done.error, done.adjustments.count()) == ("", 1)


def test_without_an_llm_configured_feedback_ends_failed_with_a_clear_error(celery_worker, settings, user_client, plan):
    project, *_ = plan
    settings.OPENAI_API_KEY = ""

    failed = wait_for(finished(post_feedback(user_client, project), JobState.FAILED))

    assert "not configured" in failed.error
