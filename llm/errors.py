"""Errors raised by the LLM gateway (`llm.complete`).

Permanent errors end the calling job as `failed` with the message; transient ones reach the
calling task's Celery autoretry (JobTask), after `retry_after` seconds when it is known.
"""

from config.jobs.errors import CapacityWait, PermanentError, TransientError


class LLMPermanentError(PermanentError):
    """A call no retry can fix: 400/401/403/404, refusal, content filter, invalid output."""

    type = "llm_error"


class LLMNotConfigured(LLMPermanentError):
    """No OPENAI_API_KEY: the gateway is offline."""

    type = "llm_not_configured"

    def __init__(self, message: str = "LLM not configured"):
        super().__init__(message)


class LLMTransientError(TransientError):
    """429, 5xx, timeouts and connection errors from the provider."""


class LLMRateLimited(CapacityWait):
    """The global rate limit (LLM_RPM / LLM_TPM) is used up for now; capacity returns after
    `retry_after` seconds. The task is rescheduled for then instead of sleeping."""

    def __init__(self, message: str = "LLM rate limit reached", *, retry_after: float):
        super().__init__(message, retry_after=retry_after)
