"""The TriageSuggestion model (imported into issues.models, where Django and callers find it)."""

from django.conf import settings
from django.db import models

from config.jobs.state import JobState
from issues.choices import SuggestionKind, SuggestionState


class TriageSuggestion(models.Model):
    """One thing a triage run proposed and did not apply, until a person accepts or dismisses it.

    `value` by kind: {"label": name}, {"priority": v}, {"type": v},
    {"number": n, "issue_id": id, "reason": text}, {"question": text}."""

    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="suggestions")
    run = models.ForeignKey("issues.TriageRun", on_delete=models.CASCADE, related_name="suggestion_rows")
    kind = models.CharField(max_length=20, choices=SuggestionKind.choices)
    value = models.JSONField(help_text="What is proposed (its shape depends on the kind).")
    why = models.CharField(max_length=300, blank=True, help_text="Why triage did not apply it itself.")
    state = models.CharField(max_length=20, choices=SuggestionState.choices, default=SuggestionState.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # An accepted question on a GitHub-linked issue: the comment it became here, and the job
    # posting it on GitHub (issues/suggestions/github.py; `skipped` when there is nothing to post).
    comment = models.ForeignKey("issues.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    github_post_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.SKIPPED)
    github_post_error = models.TextField(blank=True)
    github_post_attempts = models.PositiveIntegerField(default=0)
    github_post_state_changed_at = models.DateTimeField(null=True, blank=True)
    github_posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox: open suggestions by issue, and by kind (newest first).
            models.Index(
                fields=["issue", "-created_at"],
                name="suggestion_open_issue_idx",
                condition=models.Q(state=SuggestionState.OPEN),
            ),
            models.Index(
                fields=["kind", "-created_at"],
                name="suggestion_open_kind_idx",
                condition=models.Q(state=SuggestionState.OPEN),
            ),
            # Decisions: what was dismissed for an issue, and the stats and lessons over time.
            models.Index(fields=["issue", "state"], name="suggestion_issue_state_idx"),
            models.Index(fields=["state", "decided_at"], name="suggestion_decided_idx"),
            models.Index(fields=["github_post_state"], name="suggestion_github_post_idx"),
        ]

    def __str__(self):
        return f"{self.kind} suggestion {self.pk} on issue {self.issue_id}"
