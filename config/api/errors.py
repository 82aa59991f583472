"""Domain errors that the API turns into a 4xx with a machine-readable type (config/api/exceptions.py)."""


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
