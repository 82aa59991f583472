from datetime import timedelta

import pytest
from django.utils import timezone

from llm.cache import cache_get, cache_put
from llm.models import LLMCacheEntry, LLMCall
from llm.services import llm_prune

pytestmark = pytest.mark.django_db


def ledger_row(**fields) -> LLMCall:
    defaults = {"purpose": "tests.x", "model": "gpt-4o-mini", "outcome": "ok", "request_hash": "0" * 64}
    return LLMCall.objects.create(**{**defaults, **fields, "prompt": [{"role": "user", "content": "hi"}]})


def test_prune_deletes_expired_cache_entries_only():
    cache_put(key="fresh", model="m", content="{}", source_call_id=None)
    LLMCacheEntry.objects.create(key="old", model="m", content="{}", expires_at=timezone.now() - timedelta(seconds=1))

    result = llm_prune()

    assert result["cache_entries_deleted"] == 1
    assert list(LLMCacheEntry.objects.values_list("key", flat=True)) == ["fresh"]


def test_expired_entries_are_not_served():
    LLMCacheEntry.objects.create(key="old", model="m", content="{}", expires_at=timezone.now() - timedelta(seconds=1))

    assert cache_get("old") is None


def test_prune_empties_ledger_payloads_past_the_retention(settings):
    settings.LLM_LEDGER_RETENTION_DAYS = 30
    old = ledger_row(reply="{}")
    LLMCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = ledger_row(reply="{}")

    result = llm_prune()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert result["ledger_payloads_pruned"] == 1
    assert (old.prompt, old.reply, old.payload_pruned_at is not None) == (None, "", True)
    assert (recent.reply, recent.payload_pruned_at) == ("{}", None)
    assert old.prompt_tokens == recent.prompt_tokens  # figures stay for the totals
