import pytest

from feedback.prompts import ProposedAdjustment
from feedback.validation import validate_suggestions
from tests.feedback.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def proposal(**fields) -> ProposedAdjustment:
    base = {
        "type": "general",
        "task_id": None,
        "description": "Say something.",
        "reasoning": "Because.",
        "title": None,
        "new_description": None,
        "priority": None,
        "status": None,
        "estimated_hours": None,
    }
    return ProposedAdjustment(**{**base, **fields})


@pytest.fixture
def task():
    return TaskFactory(priority=3, status="todo", estimated_hours=4, description="Old text")


def check(task, *suggestions, known_versions=None):
    return validate_suggestions(list(suggestions), project=task.project, known_versions=known_versions or {})


def test_a_valid_task_change_keeps_original_and_proposed_values(task):
    valid, dropped = check(task, proposal(type="task_priority", task_id=task.pk, priority=1))

    assert dropped == 0
    assert [(v["type"], v["task_id"], v["original_value"], v["proposed_value"]) for v in valid] == [
        ("task_priority", task.pk, 3, 1)
    ]


def test_the_version_is_the_one_the_llm_was_shown(task):
    valid, _ = check(task, proposal(type="task_status", task_id=task.pk, status="done"), known_versions={task.pk: 7})

    assert valid[0]["task_version"] == 7


def test_a_task_of_another_project_is_dropped(task):
    foreign = TaskFactory(project=ProjectFactory())

    valid, dropped = check(task, proposal(type="task_priority", task_id=foreign.pk, priority=1))

    assert (valid, dropped) == ([], 1)


def test_a_task_that_does_not_exist_is_dropped(task):
    valid, dropped = check(task, proposal(type="remove_task", task_id=task.pk + 1000))

    assert (valid, dropped) == ([], 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "task_priority", "priority": 0},
        {"type": "task_priority", "priority": 6},
        {"type": "task_priority", "priority": None},
        {"type": "task_status", "status": "blocked"},
        {"type": "task_estimate", "estimated_hours": 0},
        {"type": "task_estimate", "estimated_hours": -2},
        {"type": "task_estimate", "estimated_hours": 1e9},
        {"type": "task_description", "new_description": "   "},
        {"type": "reassign_task"},
    ],
    ids=lambda fields: "-".join(str(value) for value in fields.values()),
)
def test_a_value_that_does_not_fit_the_field_is_dropped(task, fields):
    valid, dropped = check(task, proposal(task_id=task.pk, **fields))

    assert (valid, dropped) == ([], 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "task_priority", "priority": 3},
        {"type": "task_status", "status": "todo"},
        {"type": "task_estimate", "estimated_hours": 4},
        {"type": "task_description", "new_description": "Old text"},
    ],
    ids=lambda fields: fields["type"],
)
def test_a_change_to_the_value_the_task_already_has_is_dropped(task, fields):
    valid, dropped = check(task, proposal(task_id=task.pk, **fields))

    assert (valid, dropped) == ([], 1)


def test_removing_an_already_cancelled_task_is_dropped(task):
    task.status = "cancelled"
    task.save()

    assert check(task, proposal(type="remove_task", task_id=task.pk)) == ([], 1)


def test_a_new_task_needs_a_title(task):
    assert check(task, proposal(type="new_task", title="  ", priority=2)) == ([], 1)


def test_a_new_task_gets_its_values_and_no_task(task):
    valid, _ = check(
        task,
        proposal(type="new_task", task_id=task.pk, title="Add CSV export", new_description="CSV", estimated_hours=2),
    )

    assert "task_id" not in valid[0]
    assert valid[0]["proposed_value"] == {
        "title": "Add CSV export",
        "description": "CSV",
        "priority": 3,
        "estimated_hours": 2.0,
    }


def test_a_general_adjustment_needs_a_description(task):
    assert check(task, proposal(type="general", description=" ")) == ([], 1)


def test_a_repeated_suggestion_is_kept_once(task):
    change = proposal(type="task_priority", task_id=task.pk, priority=2)

    valid, dropped = check(task, change, change)

    assert (len(valid), dropped) == (1, 1)
