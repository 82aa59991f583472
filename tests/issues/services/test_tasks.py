from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.api.errors import ConflictError
from issues.actors import AUTOMATION, Actor
from issues.models import Activity, Task
from issues.services import task_create, task_update
from tests.issues.factories import IssueFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(user):
    return Actor.of_user(user)


def test_task_create_appends_after_the_last_task(actor):
    project = ProjectFactory()
    TaskFactory(project=project, order=7)

    task = task_create(project=project, title="Write docs", actor=actor)

    assert task.order == 8
    assert Activity.objects.get(task=task).field == "created"


def test_task_create_rejects_an_issue_of_another_project(actor):
    with pytest.raises(ValidationError):
        task_create(project=ProjectFactory(), title="x", issue=IssueFactory(), actor=actor)
    assert not Task.objects.exists()


def test_task_create_rejects_priority_out_of_range(actor):
    with pytest.raises(ValidationError) as caught:
        task_create(project=ProjectFactory(), title="x", priority=9, actor=actor)
    assert "priority" in caught.value.message_dict


def test_task_update_bumps_version_and_records_changes(actor):
    task = TaskFactory(estimated_hours=Decimal("2.00"))

    task_update(task=task, version=1, actor=actor, status="in_progress", estimated_hours="3.5")

    stored = Task.objects.get(pk=task.pk)
    assert (stored.status, stored.estimated_hours, stored.version) == ("in_progress", Decimal("3.50"), 2)
    history = {(a.field, a.old_value, a.new_value) for a in Activity.objects.filter(task=task)}
    assert history == {("status", "todo", "in_progress"), ("estimated_hours", "2.00", "3.5")}


def test_task_update_with_a_stale_version_conflicts_and_changes_nothing(actor):
    task = TaskFactory(title="Before")
    task_update(task=task, version=1, actor=actor, title="After")

    with pytest.raises(ConflictError) as caught:
        task_update(task=task, version=1, actor=actor, title="Lost")

    assert caught.value.extra == {"current_version": 2}
    assert Task.objects.get(pk=task.pk).title == "After"


def test_task_update_without_version_is_for_automation(actor):
    task = TaskFactory()
    task_update(task=task, version=1, actor=actor, title="Edited")

    task_update(task=task, version=None, actor=AUTOMATION, status="done")

    assert Task.objects.get(pk=task.pk).version == 3


def test_task_update_rejects_unknown_status(actor):
    task = TaskFactory()

    with pytest.raises(ValidationError):
        task_update(task=task, version=1, actor=actor, status="someday")
    assert Task.objects.get(pk=task.pk).status == "todo"
