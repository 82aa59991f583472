import factory

from feedback.choices import AdjustmentType
from feedback.models import Adjustment, Feedback
from issues.models import Project, Task


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    key = factory.Sequence(lambda n: f"FB{n}")
    name = factory.Sequence(lambda n: f"Project {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    priority = 3


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    project = factory.SubFactory(ProjectFactory)
    text = "The export is too slow and nobody needs the PDF format."
    state = "done"


class AdjustmentFactory(factory.django.DjangoModelFactory):
    """A proposed priority change on a task, against the task's current version."""

    class Meta:
        model = Adjustment

    feedback = factory.SubFactory(FeedbackFactory)
    task = factory.SubFactory(TaskFactory, project=factory.SelfAttribute("..feedback.project"))
    type = AdjustmentType.TASK_PRIORITY
    description = "Raise the priority of the export task."
    original_value = factory.LazyAttribute(lambda a: a.task.priority if a.task else None)
    proposed_value = 1
    task_version = factory.LazyAttribute(lambda a: a.task.version if a.task else None)


def suggestion(type_: str, **fields) -> dict:
    """One suggestion as the LLM sends it (strict schema: every field present)."""
    base = dict.fromkeys(["task_id", "title", "new_description", "priority", "status", "estimated_hours"])
    return {**base, "type": type_, "description": f"{type_} change", "reasoning": "The feedback says so.", **fields}
