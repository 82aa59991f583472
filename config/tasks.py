from celery import shared_task
from django.utils import timezone

from config.models import Heartbeat
from config.taskbase import JobTask


@shared_task(name="system.heartbeat", base=JobTask)
def heartbeat(name: str = "beat") -> None:
    """Record that beat and a worker are alive; /readyz reports how long ago that was."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})
