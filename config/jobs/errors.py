"""Outside failures, as the job machinery sees them.

`TransientError` marks one worth retrying (429, 5xx, timeouts, a dropped database connection);
`PermanentError` one that no retry can fix. Celery tasks autoretry on `TransientError` only.
"""


class TransientError(Exception):
    """An outside failure that may pass: retry later, after `retry_after` seconds if known."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """An outside failure that a retry cannot fix; the job ends `failed` with this message."""

    type = "permanent_error"

    def __init__(self, message: str, *, type: str | None = None):
        super().__init__(message)
        if type is not None:
            self.type = type
