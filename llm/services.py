"""Writes of the llm app besides the ledger: probes, pruning and lost calls."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, Field

from llm import complete
from llm.choices import Outcome
from llm.jobs import PROBE
from llm.models import LLMCacheEntry, LLMCall, LLMProbe

# How long past the task hard time limit an unfinished call is given before it counts as lost.
LOST_CALL_MARGIN_S = 60

PROBE_PROMPT = "You check that an LLM provider answers. Reply to the question in at most one sentence."


class ProbeAnswer(BaseModel):
    answer: str = Field(description="A one-sentence answer")


@transaction.atomic
def probe_create(*, question: str = "Are you there?") -> LLMProbe:
    probe = LLMProbe.objects.create(question=question)
    PROBE.enqueue(probe.pk)
    return probe


def probe_rerun(*, probe: LLMProbe) -> bool:
    with transaction.atomic():
        return PROBE.enqueue(probe.pk)


def probe_run(*, probe_id: int) -> None:
    """Ask the provider the probe's question (the task has claimed the job). Raises the
    gateway's errors for the task to handle."""
    probe = LLMProbe.objects.get(pk=probe_id)
    result = complete(
        purpose="llm.probe",
        messages=[{"role": "system", "content": PROBE_PROMPT}, {"role": "user", "content": probe.question}],
        output=ProbeAnswer,
        subject=probe,
    )
    PROBE.complete(probe_id, answer=result.data.answer, call_id=result.call_id, cached=result.cached)


def llm_prune(*, now=None) -> dict[str, int]:
    """Delete expired cache entries; empty ledger prompts and replies past the retention period."""
    now = now or timezone.now()
    expired, _ = LLMCacheEntry.objects.filter(expires_at__lte=now).delete()
    cutoff = now - timedelta(days=settings.LLM_LEDGER_RETENTION_DAYS)
    pruned = LLMCall.objects.filter(created_at__lt=cutoff, payload_pruned_at__isnull=True).update(
        prompt=None, reply="", payload_pruned_at=now
    )
    return {"cache_entries_deleted": expired, "ledger_payloads_pruned": pruned}


def llm_mark_lost_calls(*, now=None) -> int:
    """Mark `lost` the ledger rows still `in_flight` past the task hard time limit (plus a
    margin): no worker can still be waiting for them, its process was killed during the call.
    They keep their estimated tokens and cost, which the usage totals count."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + LOST_CALL_MARGIN_S)
    return LLMCall.objects.filter(outcome=Outcome.IN_FLIGHT, created_at__lt=cutoff).update(
        outcome=Outcome.LOST,
        error_type="lost",
        error_message="No answer recorded: the worker stopped during the call.",
    )
