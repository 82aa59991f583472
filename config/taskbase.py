"""The base class of every Triage Desk Celery task.

Tasks retry on `TransientError` only (a validation error never succeeds on retry), with
exponential backoff and full jitter, capped below the broker's visibility timeout. A
`retry_after` carried by the error (a provider's Retry-After) is honoured when longer.
"""

from celery import Task
from django.conf import settings

from config.errors import TransientError


class JobTask(Task):
    autoretry_for = (TransientError,)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = settings.TASK_MAX_RETRIES

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, **options):
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None and eta is None:
            countdown = max(countdown or 0, retry_after)
        if countdown is not None:
            countdown = min(countdown, settings.CELERY_MAX_COUNTDOWN_S)
        return super().retry(args=args, kwargs=kwargs, exc=exc, throw=throw, eta=eta, countdown=countdown, **options)
