"""The base class of every Triage Desk Celery task.

Tasks retry on `TransientError` only (a validation error never succeeds on retry), with
exponential backoff and full jitter, capped below the broker's visibility timeout. A
`retry_after` carried by the error (a provider's Retry-After) is honoured when longer.

An error with `consumes_retry = False` (a wait for a shared rate limit, e.g.
llm.errors.LLMRateLimited) is a wait, not a failure: it is retried after exactly its
`retry_after` and does not count toward `max_retries`.
"""

from celery import Task
from django.conf import settings

from config.errors import TransientError


def consumes_retry(exc: BaseException | None) -> bool:
    return getattr(exc, "consumes_retry", True)


class JobTask(Task):
    autoretry_for = (TransientError,)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = settings.TASK_MAX_RETRIES

    def retries_exhausted(self, exc: BaseException | None = None) -> bool:
        """True when retrying after `exc` is no longer allowed: the job should end `failed`."""
        if not consumes_retry(exc):
            return False
        return self.max_retries is not None and self.request.retries >= self.max_retries

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, **options):
        retry_after = getattr(exc, "retry_after", None)
        counted = consumes_retry(exc)
        if retry_after is not None and eta is None:
            # A wait for capacity comes back exactly when capacity returns, not after backoff.
            countdown = max(countdown or 0, retry_after) if counted else retry_after
        if countdown is not None:
            countdown = min(countdown, settings.CELERY_MAX_COUNTDOWN_S)
        if counted:
            return super().retry(
                args=args, kwargs=kwargs, exc=exc, throw=throw, eta=eta, countdown=countdown, **options
            )
        # Celery sends the retry with `request.retries + 1`; keep the count where it was.
        self.request.retries -= 1
        try:
            return super().retry(
                args=args, kwargs=kwargs, exc=exc, throw=throw, eta=eta, countdown=countdown, **options
            )
        finally:
            self.request.retries += 1
