from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from config.jobs.state import JobState
from llm.choices import Outcome


class LLMCall(models.Model):
    """The ledger: one row per attempt to call the provider and per cache hit.

    Prompts and replies are kept (trimmed to LLM_LEDGER_PAYLOAD_MAX_CHARS) to audit and replay
    a decision, and emptied after LLM_LEDGER_RETENTION_DAYS. The API key is never stored.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    purpose = models.CharField(max_length=100, db_index=True)
    model = models.CharField(max_length=100, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    attempt = models.PositiveSmallIntegerField(default=1, help_text="1, or 2 for the retry after invalid output")
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    subject_id = models.CharField(max_length=64, blank=True, default="")
    subject = GenericForeignKey("subject_type", "subject_id")
    request_hash = models.CharField(max_length=64, db_index=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="Empty when the model has no price"
    )
    latency_ms = models.FloatField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error_type = models.CharField(max_length=50, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    provider_request_id = models.CharField(max_length=100, blank=True, default="")
    cache_source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="The call a hit reused"
    )
    prompt = models.JSONField(null=True, blank=True)
    reply = models.TextField(blank=True, default="")
    payload_pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = "LLM call"

    def __str__(self):
        return f"{self.purpose} · {self.model} · {self.outcome}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLMCacheEntry(models.Model):
    """A provider reply, addressed by the SHA-256 of (model, messages, schema, parameters)."""

    key = models.CharField(max_length=64, primary_key=True)
    model = models.CharField(max_length=100)
    content = models.TextField()
    source_call = models.ForeignKey(LLMCall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "LLM cache entry"
        verbose_name_plural = "LLM cache entries"

    def __str__(self):
        return self.key


class LLMProbe(models.Model):
    """A check that the provider answers: one small structured call made by a worker.

    Staff run it from the admin after changing the key or base URL; benchmarks and end-to-end
    tests use it as the smallest real job that goes through `llm.complete`.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    question = models.TextField()
    answer = models.TextField(blank=True, default="")
    call = models.ForeignKey(LLMCall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cached = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING, db_index=True)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "LLM probe"

    def __str__(self):
        return f"probe {self.pk}: {self.state}"
