"""The content-addressed response cache, shared by every worker (a database table).

The key is the SHA-256 of (model, messages, schema, parameters): the same question asked the
same way gets the stored answer without a provider call, until LLM_CACHE_TTL_S passes. A
table rather than the Django cache: it works the same in embedded mode and with Redis,
survives a Redis restart, and the prune job can remove what expired.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from llm.models import LLMCacheEntry


def request_hash(*, model: str, messages: list[dict], schema: dict, params: dict) -> str:
    canonical = json.dumps(
        {"model": model, "messages": messages, "schema": schema, "params": params},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def cache_get(key: str) -> LLMCacheEntry | None:
    return LLMCacheEntry.objects.filter(key=key, expires_at__gt=timezone.now()).first()


def cache_put(*, key: str, model: str, content: str, source_call_id: int) -> None:
    if settings.LLM_CACHE_TTL_S <= 0:
        return
    now = timezone.now()
    LLMCacheEntry.objects.bulk_create(
        [
            LLMCacheEntry(
                key=key,
                model=model,
                content=content,
                source_call_id=source_call_id,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.LLM_CACHE_TTL_S),
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["model", "content", "source_call", "created_at", "expires_at"],
    )
