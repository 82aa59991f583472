from django.conf import settings
from django.db import models

from config.jobs.state import JobState
from feedback.choices import AdjustmentState, AdjustmentType


class Feedback(models.Model):
    """What someone said about a project's plan; the LLM turns it into proposed adjustments."""

    project = models.ForeignKey("issues.Project", on_delete=models.CASCADE, related_name="feedback")
    task = models.ForeignKey(
        "issues.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
        help_text="The task the feedback is about, if any.",
    )
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.EmailField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()

    # Filled by processing (job `feedback.process`, config/jobs/state.py).
    summary = models.TextField(blank=True)
    dropped_count = models.PositiveIntegerField(
        default=0, help_text="Suggestions from the LLM that failed validation and were not stored."
    )
    llm_call = models.ForeignKey(
        "llm.LLMCall",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The ledger row of the LLM call that produced the adjustments.",
    )
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"

    def __str__(self):
        return f"Feedback {self.pk} on {self.project.key}"


class Adjustment(models.Model):
    """One change to the plan proposed from feedback; a person applies or rejects it, once."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="adjustments")
    task = models.ForeignKey(
        "issues.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustments"
    )
    type = models.CharField(max_length=20, choices=AdjustmentType.choices)
    state = models.CharField(
        max_length=20, choices=AdjustmentState.choices, default=AdjustmentState.PROPOSED, db_index=True
    )
    description = models.TextField(help_text="What the adjustment changes, in a sentence.")
    original_value = models.JSONField(null=True, blank=True)
    proposed_value = models.JSONField(null=True, blank=True)
    reasoning = models.TextField(blank=True)
    task_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The task's version when the adjustment was proposed."
    )

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    forced = models.BooleanField(default=False, help_text="Applied although the task had changed since.")
    created_task = models.ForeignKey(
        "issues.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The task a new_task adjustment created.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["feedback_id", "id"]
        indexes = [models.Index(fields=["state", "decided_at"])]
        # Applying or rejecting changes the plan: staff, or the "Triage staff" group (config/ops/staff.py).
        permissions = [("decide_adjustment", "Can apply or reject proposed adjustments")]

    def __str__(self):
        return f"{self.get_type_display()}: {self.description[:60]}"
