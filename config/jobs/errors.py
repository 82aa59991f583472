"""Outside failures, as the job machinery sees them.

`TransientError` marks one worth retrying (429, 5xx, timeouts, a dropped database connection);
`PermanentError` one that no retry can fix. Celery tasks autoretry on `TransientError` only.
"""


class TransientError(Exception):
    """An outside failure that may pass: retry later, after `retry_after` seconds if known."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class CapacityWait(TransientError):
    """Not a failure: a shared limit (the LLM's RPM/TPM, GitHub's rate limit, our GitHub write
    limiter, a lease held by another worker) has no room now; it has after `retry_after`
    seconds. The job is rescheduled for then; the wait is neither a retry nor an attempt."""

    consumes_retry = False

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message, retry_after=retry_after)


class PermanentError(Exception):
    """An outside failure that a retry cannot fix; the job ends `failed` with this message."""

    type = "permanent_error"

    def __init__(self, message: str, *, type: str | None = None):
        super().__init__(message)
        if type is not None:
            self.type = type
