"""Sending job messages: one job once its transaction commits, or many through one fan-out task.

A job's row is committed `pending` before its message is sent, so a message that cannot be
sent (the broker is down, the process dies between commit and send) loses no work: the
stuck-job sweeper (config/jobs/sweeper.py) finds the row and sends it again. Publishing
therefore retries only briefly (PUBLISH_RETRY_POLICY) and then gives up with a warning, and a
request that wrote a job answers as usual while the broker is away.

- `submit(task_name, pk)`: what `JobKind.enqueue` / `send_on_commit` call once the row is
  committed. With JOB_PUBLISH_IN_BACKGROUND (the default) the id goes to a background thread
  of the process (`Publisher`), which sends what gathered within 20 ms: one job as its
  own message, several of one task as `system.send_jobs` messages. A request that enqueued a
  job (a webhook acknowledgement above all) does not wait for the broker, and under load many
  jobs cost one publish. Without it, `send_job` runs in the caller.
- `send_job(task_name, pk)`: one message, with a bounded publish retry.
- `send_jobs_on_commit(task_name, ids)`: many ids (CSV import, the sweeper's re-sends) in
  `system.send_jobs` messages of up to FAN_OUT_CHUNK ids; a worker sends one message per id
  still pending (`send_pending`).
- `route_to_declared_queue`: the Celery router (CELERY_TASK_ROUTES). Each task declares its
  queue (`@shared_task(queue=...)`); the router sends it there also when it is sent by name
  from a process that has not imported the task's module (the web process).
"""

import atexit
import functools
import logging
import os
import queue
import threading
import time
from collections import defaultdict

from django.conf import settings
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


def submit(task_name: str, pk) -> None:
    """Send the job of a committed `pending` row: in the background (JOB_PUBLISH_IN_BACKGROUND)
    or here and now."""
    if settings.JOB_PUBLISH_IN_BACKGROUND:
        PUBLISHER.submit(task_name, pk)
    else:
        send_job(task_name, pk)


class Publisher:
    """A per-process thread that publishes submitted jobs, many per message under load.

    It takes the first id, waits LINGER_S (20 ms) for company, and sends each task's ids: one as the
    job's own message, more through `system.send_jobs`. Nothing is lost with the thread: the
    rows are committed `pending` before `submit`, so ids that die with the process or meet a
    broker outage are re-sent by the sweeper. A normal exit sends what is queued first."""

    LINGER_S = 0.02

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()

    def submit(self, task_name: str, pk) -> None:
        if self._pid != os.getpid():
            self._start()
        self._queue.put((task_name, pk))

    def flush(self) -> None:
        """Send everything submitted so far from the calling thread (exit, tests)."""
        while batch := self._take(linger_s=None):
            self._send(batch)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the queue's contents but not the thread: start afresh.
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._run, name="job publisher", daemon=True).start()
            if self._pid is None:
                atexit.register(self.flush)
            self._pid = os.getpid()

    def _take(self, *, linger_s: float | None) -> list:
        try:
            batch = [self._queue.get(block=linger_s is not None)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + (linger_s or 0)
        while len(batch) < FAN_OUT_CHUNK:
            try:
                batch.append(self._queue.get(timeout=max(deadline - time.monotonic(), 0)))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take(linger_s=self.LINGER_S)
            try:
                self._send(batch)
            except Exception:  # the thread must outlive a bad batch; the sweeper re-sends its jobs
                logger.exception("job publisher: a batch of %d job(s) was not sent", len(batch))

    @staticmethod
    def _send(batch: list) -> None:
        by_task = defaultdict(list)
        for task_name, pk in batch:
            by_task[task_name].append(pk)
        for task_name, ids in by_task.items():
            if len(ids) == 1:
                send_job(task_name, ids[0])
            else:
                _send_chunks(task_name, ids)


PUBLISHER = Publisher()


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
