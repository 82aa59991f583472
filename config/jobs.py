"""Job states shared by every background job (contract: DESIGN.md, Enumerations)."""

from django.db import models


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


UNFINISHED_STATES = (JobState.PENDING, JobState.RUNNING)
