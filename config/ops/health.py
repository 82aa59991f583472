"""Liveness and readiness probes (no auth)."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from kombu import Connection

from config.models import Heartbeat

logger = logging.getLogger(__name__)


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=settings.READYZ_TIMEOUT_S,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=settings.READYZ_TIMEOUT_S)
    except Exception as exc:  # any transport error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _beat_age_seconds() -> float | None:
    beat = Heartbeat.objects.filter(name="beat").first()
    return round((timezone.now() - beat.last_seen_at).total_seconds(), 1) if beat else None


def readyz(request):
    failures = {name: error for name, error in (("database", _check_database()), ("broker", _check_broker())) if error}
    if failures:
        logger.warning("not ready", extra={"failures": failures})
        message = "; ".join(f"{name}: {error}" for name, error in failures.items())
        response = JsonResponse(
            {
                "status": "unavailable",
                "checks": {name: ("ok" if name not in failures else "down") for name in ("database", "broker")},
                "error": {"type": "dependency_unavailable", "message": message},
                "detail": "Service not ready.",
            },
            status=503,
        )
        response["Retry-After"] = "10"
        return response
    return JsonResponse(
        {"status": "ok", "checks": {"database": "ok", "broker": "ok"}, "beat_last_seen_s": _beat_age_seconds()}
    )
