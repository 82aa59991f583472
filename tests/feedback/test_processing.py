"""The processing service, called directly (no worker) against the fake OpenAI server."""

import pytest
from jsonschema import Draft202012Validator

from config.jobs.errors import PermanentError
from config.jobs.state import JobState
from feedback.jobs import PROCESS
from feedback.models import Feedback
from feedback.services import feedback_process
from tests.feedback.factories import FeedbackFactory, TaskFactory, suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    task = TaskFactory(priority=3)
    feedback = FeedbackFactory(project=task.project, state=JobState.PENDING)
    PROCESS.claim(feedback.pk)
    return feedback, task


def test_a_run_stores_adjustments_and_finishes_the_job(fake_openai, running):
    feedback, task = running
    fake_openai.add_reply(
        {"summary": "Urgent.", "adjustments": [suggestion("task_priority", task_id=task.pk, priority=1)]}
    )

    assert feedback_process(feedback_id=feedback.pk) is True

    feedback.refresh_from_db()
    assert (feedback.state, feedback.summary, feedback.adjustments.count()) == (JobState.DONE, "Urgent.", 1)
    assert feedback.processed_at is not None


def test_a_run_whose_job_was_finished_meanwhile_stores_nothing(fake_openai, running):
    feedback, task = running
    fake_openai.add_reply(
        {"summary": "Urgent.", "adjustments": [suggestion("task_priority", task_id=task.pk, priority=1)]}
    )
    Feedback.objects.filter(pk=feedback.pk).update(state=JobState.DONE, summary="first run")

    assert feedback_process(feedback_id=feedback.pk) is False

    feedback.refresh_from_db()
    assert (feedback.summary, feedback.adjustments.count()) == ("first run", 0)


def test_the_request_asks_for_the_output_schema(fake_openai, running):
    feedback, _ = running
    fake_openai.add_reply({"summary": "Nothing.", "adjustments": []})

    feedback_process(feedback_id=feedback.pk)

    schema = fake_openai.requests[-1]["response_format"]["json_schema"]["schema"]
    assert {"summary", "adjustments"} <= set(schema["required"])


def test_without_an_api_key_the_run_raises_a_permanent_error(settings, running):
    feedback, _ = running
    settings.OPENAI_API_KEY = ""

    with pytest.raises(PermanentError):
        feedback_process(feedback_id=feedback.pk)


def test_the_output_schema_is_valid_and_limits_statuses_to_the_enumeration(fake_openai, running):
    feedback, task = running
    fake_openai.add_reply({"summary": "Nothing.", "adjustments": []})
    feedback_process(feedback_id=feedback.pk)
    schema = fake_openai.requests[-1]["response_format"]["json_schema"]["schema"]
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)

    def answer(status):
        return {"summary": "s", "adjustments": [suggestion("task_status", task_id=task.pk, status=status)]}

    assert validator.is_valid(answer("done")) and validator.is_valid(answer(None))
    assert not validator.is_valid(answer("blocked"))
