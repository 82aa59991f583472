"""The sweeper (beat job `system.sweep_stuck_jobs`): re-sends jobs whose broker message was lost.

A job's state lives on its row (config/jobs/state.py), so a row left `pending` for longer than
JOB_STUCK_AFTER_S, or `running` with a lease nobody renewed for JOB_LEASE_S, names a job that
nobody is working on: its message vanished (Redis restarted or was flushed, a crash between
commit and send) or its worker died. The sweeper puts such rows back to `pending` and sends
their task again; a claim by conditional UPDATE makes a duplicate message harmless. Starts that
never came back are counted, so a poison job (one that kills or times out its worker every
time) ends `failed` after JOB_MAX_ATTEMPTS instead of being re-sent for ever.

JOB_STUCK_AFTER_S should stay above the usual retry backoff (a job waiting for its retry is
`pending` meanwhile; re-sending it early is harmless, only wasteful).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.jobs.dispatch import send_jobs_on_commit
from config.jobs.state import JOB_KINDS, JobKind, JobState, give_up_message

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 500


@dataclass
class SweepOutcome:
    resent: int = 0
    given_up: int = 0


def jobs_sweep_stuck(
    *, older_than: timedelta | None = None, max_attempts: int | None = None
) -> dict[str, SweepOutcome]:
    """Re-send (or give up on) the stuck rows of every registered job kind; {task name: outcome}."""
    older_than = timedelta(seconds=settings.JOB_STUCK_AFTER_S) if older_than is None else older_than
    max_attempts = max_attempts or settings.JOB_MAX_ATTEMPTS
    outcomes = {}
    for kind in JOB_KINDS:
        outcome = SweepOutcome(
            given_up=_give_up(kind, older_than=older_than, max_attempts=max_attempts),
            resent=_resend(kind, older_than=older_than, max_attempts=max_attempts),
        )
        if outcome.resent or outcome.given_up:
            logger.warning(
                "sweeper: %s re-sent %s stuck job(s), gave up on %s", kind.task_name, outcome.resent, outcome.given_up
            )
        outcomes[kind.task_name] = outcome
    return outcomes


def _give_up(kind: JobKind, *, older_than: timedelta, max_attempts: int) -> int:
    now = timezone.now()
    error = give_up_message(max_attempts)
    return (
        kind.stuck(older_than=older_than)
        .filter(**{f"{kind.field('attempts')}__gte": max_attempts})
        .update(
            **{
                kind.field("state"): JobState.FAILED,
                kind.field("error"): error,
                kind.field("state_changed_at"): now,
                kind.finished_field: now,
            }
        )
    )


def _resend(kind: JobKind, *, older_than: timedelta, max_attempts: int) -> int:
    # Walk the primary key once: a row re-sent in this sweep is never visited again in it.
    stuck = kind.stuck(older_than=older_than).filter(**{f"{kind.field('attempts')}__lt": max_attempts})
    resent, after_pk = 0, None
    while True:
        with transaction.atomic():
            batch = stuck if after_pk is None else stuck.filter(pk__gt=after_pk)
            ids = list(
                batch.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
            )
            if not ids:
                return resent
            # Back to pending with a fresh clock: the next sweep leaves it alone for another period.
            kind.model._default_manager.filter(pk__in=ids).update(
                **{kind.field("state"): JobState.PENDING, kind.field("state_changed_at"): timezone.now()}
            )
            send_jobs_on_commit(kind.task_name, ids)
        resent += len(ids)
        after_pk = ids[-1]
