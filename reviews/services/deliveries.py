"""Webhook deliveries: stored on receipt, processed by a Celery task through a handler table."""

import functools
import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from config.jobs.state import JobState
from reviews.jobs import DELIVERY
from reviews.models import Delivery
from reviews.services.handlers import HANDLERS, Skip, is_handled

logger = logging.getLogger(__name__)


def delivery_receive(*, delivery_id: str, event: str, payload: dict, payload_text: str) -> tuple[int, str, bool]:
    """Store a delivery once: (pk, state, created); created is False when that delivery id
    was stored before, and then nothing else happens.

    `payload_text` is the JSON text `payload` was parsed from. Handled events are sent to a
    worker after the commit; `ping` is answered and done; anything else is stored as skipped,
    so operators can see what GitHub sends."""
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
    installation_id = installation.get("id")
    if not (isinstance(installation_id, int) and abs(installation_id) < 2**63):
        installation_id = None
    values = {
        "delivery_id": delivery_id[:100],
        "event": event[:100],
        "action": action[:100],
        "repository": str(repository.get("full_name") or "")[:140],
        "installation_id": installation_id,
        "state": state,
        "result": result,
        "state_changed_at": now,
        "finished_at": None if handled else now,
        "received_at": now,
    }
    try:
        row = _insert(values, payload_text=payload_text)
    except (OperationalError, InterfaceError) as exc:
        if connection.in_atomic_block:
            raise
        # A dropped connection (a restarted or failed-over server, a killed backend): the
        # INSERT is idempotent, so send it once more on a new connection. GitHub never
        # redelivers by itself, so one retry here saves a delivery from a blip.
        logger.warning("delivery %s: database connection lost (%s); inserting once more", delivery_id, exc)
        connection.close()
        row = _insert(values, payload_text=payload_text)
        if row is None:
            # The first INSERT may have committed before its answer was lost, and then its job
            # was never sent: send it (a duplicate message is a no-op).
            return _existing(delivery_id, resend=handled)
    if row is None:
        return _existing(delivery_id, resend=False)
    pk = row[0]
    if handled:
        # on_commit runs at once outside a transaction, and after the commit inside one.
        DELIVERY.send_on_commit(pk)
    return pk, state, True


def _existing(delivery_id: str, *, resend: bool) -> tuple[int, str, bool]:
    pk, state = Delivery.objects.values_list("pk", "state").get(delivery_id=delivery_id[:100])
    if resend and state == JobState.PENDING:
        DELIVERY.send_on_commit(pk)
    return pk, state, False


@functools.cache
def _insert_statement() -> tuple[str, list]:
    """(SQL, fields) of `INSERT ... ON CONFLICT (delivery_id) DO NOTHING RETURNING id`, with
    the columns of the model: one statement, and no exception path for a redelivery."""
    meta = Delivery._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({quote(meta.get_field('delivery_id').column)}) DO NOTHING"
        f" RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def _insert(values: dict, *, payload_text: str) -> tuple | None:
    """Insert a delivery unless its delivery id is stored already: (id,) or None. A field not
    in `values` gets its default; the payload is bound as the JSON text GitHub sent (the
    database parses it, Python need not serialise it again)."""
    sql, fields = _insert_statement()
    params = [
        payload_text
        if field.name == "payload"
        else field.get_db_prep_save(values[field.name] if field.name in values else field.get_default(), connection)
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


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
