"""Token estimates for the TPM limiter.

tiktoken downloads its encodings at run time, which is impossible offline; a character-based
estimate (about four characters per token for English, plus the per-message overhead of the
chat format) is close enough to share a per-minute budget. Actual usage from the provider's
reply is what the ledger records.
"""

import json

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3


def estimate_prompt_tokens(messages: list[dict], schema: dict | None = None) -> int:
    chars = 0
    for message in messages:
        content = message.get("content") or ""
        chars += len(content if isinstance(content, str) else json.dumps(content))
    if schema is not None:
        chars += len(json.dumps(schema, separators=(",", ":")))
    return chars // CHARS_PER_TOKEN + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY


def estimate_text_tokens(text: str) -> int:
    """The estimate above for a piece of a message's text (e.g. to cut a prompt into parts)."""
    return len(text) // CHARS_PER_TOKEN
