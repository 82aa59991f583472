"""Enumerations of the feedback app: lower-case strings, a contract with API clients (never renamed)."""

from django.db import models


class AdjustmentType(models.TextChoices):
    TASK_PRIORITY = "task_priority", "Task priority"
    TASK_DESCRIPTION = "task_description", "Task description"
    TASK_STATUS = "task_status", "Task status"
    TASK_ESTIMATE = "task_estimate", "Task estimate"
    NEW_TASK = "new_task", "New task"
    REMOVE_TASK = "remove_task", "Remove task"
    GENERAL = "general", "General"


# Types that change an existing task, and so carry the task and the version they were proposed against.
TASK_ADJUSTMENT_TYPES = (
    AdjustmentType.TASK_PRIORITY,
    AdjustmentType.TASK_DESCRIPTION,
    AdjustmentType.TASK_STATUS,
    AdjustmentType.TASK_ESTIMATE,
    AdjustmentType.REMOVE_TASK,
)


class AdjustmentState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"
