"""Error types shared by every app.

`ApplicationError` is a domain error that the API turns into a 4xx with a machine-readable
type (config/api/exceptions.py). `TransientError` marks an outside failure worth retrying
(429, 5xx, timeouts); `PermanentError` one that no retry can fix. Celery tasks autoretry on
`TransientError` only.
"""


class ApplicationError(Exception):
    status_code = 400
    type = "invalid_request"

    def __init__(self, message: str, *, type: str | None = None, status_code: int | None = None, **extra):
        super().__init__(message)
        self.message = message
        if type is not None:
            self.type = type
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra


class ConflictError(ApplicationError):
    """A write based on a stale version of a row; `extra` carries the current version."""

    status_code = 409
    type = "version_conflict"


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
