"""Webhook deliveries: stored on receipt, processed by a Celery task through a handler table."""

import logging
from contextlib import nullcontext
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config.celery import app
from config.jobs import JobState
from reviews.jobs import DELIVERY
from reviews.models import Delivery
from reviews.services.handlers import HANDLERS, Skip, is_handled

logger = logging.getLogger(__name__)


def delivery_receive(*, delivery_id: str, event: str, payload: dict) -> tuple[Delivery, bool]:
    """Store a delivery once; (delivery, False) when that delivery id was already stored.

    Handled events are processed after the commit; `ping` is answered and done; anything
    else is stored as skipped, so operators can see what GitHub sends.
    """
    action = payload.get("action") or ""
    if not isinstance(action, str):
        action = ""
    now = timezone.now()
    handled = is_handled(event, action)
    if handled:
        state, result = JobState.PENDING, ""
    elif event == "ping":
        state, result = JobState.DONE, "pong"
    else:
        state, result = JobState.SKIPPED, f"{event}{'.' + action if action else ''} is not handled"
    repository = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    installation = payload.get("installation") if isinstance(payload.get("installation"), dict) else {}
    # The webhook calls this in autocommit: one INSERT, committed when it returns, and a
    # duplicate id fails on the unique constraint with nothing to roll back. Inside a caller's
    # transaction a savepoint keeps that transaction usable after the duplicate.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            delivery = Delivery.objects.create(
                delivery_id=delivery_id[:100],
                event=event[:100],
                action=action[:100],
                repository=str(repository.get("full_name") or "")[:140],
                installation_id=installation.get("id") if isinstance(installation.get("id"), int) else None,
                payload=payload,
                state=state,
                result=result,
                state_changed_at=now,
                finished_at=None if handled else now,
            )
    except IntegrityError:
        existing = Delivery.objects.filter(delivery_id=delivery_id[:100]).first()
        if existing is None:
            raise
        return existing, False
    if handled:
        # on_commit runs at once outside a transaction, and after the commit inside one.
        transaction.on_commit(lambda: app.send_task(DELIVERY.task_name, args=[delivery.pk]))
    return delivery, True


def delivery_process(*, delivery_pk: int) -> None:
    """Run the handler of a claimed delivery and record what it did."""
    delivery = Delivery.objects.get(pk=delivery_pk)
    handler, _actions = HANDLERS[delivery.event]
    try:
        result = handler(delivery)
    except Skip as skip:
        DELIVERY.complete(delivery_pk, state=JobState.SKIPPED, result=str(skip)[:500])
        return
    DELIVERY.complete(delivery_pk, result=(result or "")[:500])


def delivery_rerun(*, delivery: Delivery) -> bool:
    """Staff re-run of a failed (or any finished) delivery of a handled event."""
    if not is_handled(delivery.event, delivery.action):
        return False
    with transaction.atomic():
        return DELIVERY.enqueue(delivery.pk)


def deliveries_prune(*, older_than_days: int, batch_size: int = 1000) -> int:
    """Delete finished deliveries received more than `older_than_days` ago; returns how many.

    Unfinished and failed ones stay: a failed delivery waits for staff to look at it."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    finished = Delivery.objects.filter(received_at__lt=cutoff, state__in=(JobState.DONE, JobState.SKIPPED))
    deleted = 0
    while True:
        ids = list(finished.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
