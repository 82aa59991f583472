"""Sending job messages: one job once its transaction commits, or many through one fan-out task.

A job's row is committed `pending` before its message is sent, so a message that cannot be
sent (the broker is down, the process dies between commit and send) loses no work: the
stuck-job sweeper (config/jobs/sweeper.py) finds the row and sends it again. Publishing
therefore retries only briefly (PUBLISH_RETRY_POLICY) and then gives up with a warning, and a
request that wrote a job answers as usual while the broker is away.

- `send_job(task_name, pk)`: one message; `JobKind.enqueue` sends through it on commit.
- `send_jobs_on_commit(task_name, ids)`: many ids (CSV import, the sweeper's re-sends) in
  `system.send_jobs` messages of up to FAN_OUT_CHUNK ids; a worker sends one message per id
  still pending (`send_pending`).
- `route_to_declared_queue`: the Celery router (CELERY_TASK_ROUTES). Each task declares its
  queue (`@shared_task(queue=...)`); the router sends it there also when it is sent by name
  from a process that has not imported the task's module (the web process).
"""

import functools
import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import app

SEND_JOBS_TASK = "system.send_jobs"
# Ids per fan-out message: the sender publishes len(ids) / FAN_OUT_CHUNK messages, a worker the rest.
FAN_OUT_CHUNK = 500
# Three tries over about half a second (refused connections fail at once): enough for a broker
# blip, short enough for a request to answer well within GitHub's 10 s.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}

logger = logging.getLogger(__name__)


def send_job(task_name: str, pk) -> bool:
    """Publish `task_name(pk)`; False (and a warning) when the broker cannot be reached."""
    try:
        app.send_task(task_name, args=[pk], retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except OperationalError as exc:
        logger.warning("could not send %s(%s), the stuck-job sweeper will re-send it: %s", task_name, pk, exc)
        return False
    return True


def send_jobs_on_commit(task_name: str, ids) -> None:
    """Once the transaction commits (at once outside one), send the jobs of `ids` through
    `system.send_jobs` messages of up to FAN_OUT_CHUNK ids each."""
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: _send_chunks(task_name, ids))


def _send_chunks(task_name: str, ids: list) -> None:
    try:
        with app.producer_or_acquire() as producer:
            for start in range(0, len(ids), FAN_OUT_CHUNK):
                app.send_task(
                    SEND_JOBS_TASK,
                    args=[task_name, ids[start : start + FAN_OUT_CHUNK]],
                    producer=producer,
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
    except OperationalError as exc:
        logger.warning(
            "could not send %d %s job(s), the stuck-job sweeper will re-send them: %s", len(ids), task_name, exc
        )


def send_pending(kind, ids: list) -> int:
    """One `kind.task_name(pk)` message per id whose job is still pending (worker side of
    `system.send_jobs`); returns how many were sent."""
    pending = list(kind.pending(ids))
    with app.producer_or_acquire() as producer:
        for pk in pending:
            app.send_task(kind.task_name, args=[pk], producer=producer)
    return len(pending)


@functools.cache
def declared_queues() -> dict[str, str]:
    """{task name: queue} of every task that declares one, with every app's tasks module imported."""
    app.autodiscover_tasks(force=True)
    return {name: task.queue for name, task in app.tasks.items() if getattr(task, "queue", None)}


def route_to_declared_queue(name, args, kwargs, options, task=None, **kw) -> dict | None:
    """Celery router: the queue the task declares; None (the default queue) when it declares none."""
    queue = getattr(task, "queue", None) or declared_queues().get(name)
    return {"queue": queue} if queue else None
