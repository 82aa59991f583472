from django.db import models


class Heartbeat(models.Model):
    """When a periodic process last proved it was alive (beat ticks `system.heartbeat`)."""

    name = models.CharField(max_length=50, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
