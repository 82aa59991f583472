"""Compiling a triage rule's keywords and pattern (a leaf: imports nothing from the app).

Used by the model's validation (`TriageRule.clean`) and by the rules triager."""

import re


def compile_pattern(pattern: str) -> re.Pattern:
    """The rule's regular expression, any case; ValueError with a readable reason if invalid."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"Not a valid regular expression: {exc}") from None


def keyword_pattern(keywords: str) -> re.Pattern | None:
    """Comma-separated words or phrases as one expression matching any of them as whole words."""
    words = [word.strip() for word in keywords.split(",") if word.strip()]
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, word.split())) for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
