"""Sending the triage jobs of many new issues (CSV import) without holding up the request."""

from django.db import transaction

from config.jobs.state import JobState
from issues.jobs import TRIAGE
from issues.models import Issue

FAN_OUT_TASK = "issues.send_triage_jobs"
# Issue ids per fan-out message: the request sends len(ids) / CHUNK messages, a worker the rest.
CHUNK = 500


def triage_send_on_commit(issue_ids: list[int]) -> None:
    """Once the transaction commits, hand the ids to `issues.send_triage_jobs` in chunks.

    Sending one triage message per issue from the request costs a broker round trip each
    (10,000 rows: seconds); a worker does that instead. The issues are `pending` already, so a
    lost message is re-sent by the stuck-job sweeper."""
    ids = list(issue_ids)
    if not ids:
        return

    def send():
        from config.celery import app

        with app.producer_or_acquire() as producer:
            for start in range(0, len(ids), CHUNK):
                app.send_task(FAN_OUT_TASK, args=[ids[start : start + CHUNK]], producer=producer)

    transaction.on_commit(send)


def triage_send(issue_ids: list[int]) -> int:
    """Send the triage task of each issue still pending; returns how many were sent."""
    from config.celery import app

    pending = list(Issue.objects.filter(pk__in=issue_ids, triage_state=JobState.PENDING).values_list("pk", flat=True))
    with app.producer_or_acquire() as producer:
        for pk in pending:
            app.send_task(TRIAGE.task_name, args=[pk], producer=producer)
    return len(pending)
