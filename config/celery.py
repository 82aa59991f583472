"""The Celery app. Settings come from Django's (CELERY_ prefix); tasks are autodiscovered."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("triage_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _ready_pool_process(**kwargs):
    from config.ops.warmup import ready_worker_process

    ready_worker_process(**kwargs)
