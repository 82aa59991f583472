"""Sending the triage job of many new issues at once (CSV import)."""

from django.db import transaction

from issues.jobs import TRIAGE


def triage_send_on_commit(issue_ids: list[int]) -> None:
    """Send the triage task of each issue once the transaction commits.

    The issues must already be `pending` (new rows are); one broker connection serves them all,
    and a message lost on the way is re-sent by the stuck-job sweeper."""
    if not issue_ids:
        return
    ids = list(issue_ids)

    def send():
        from config.celery import app

        with app.producer_or_acquire() as producer:
            for pk in ids:
                app.send_task(TRIAGE.task_name, args=[pk], producer=producer)

    transaction.on_commit(send)
