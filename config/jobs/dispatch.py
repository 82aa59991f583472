"""Sending job messages off the request path, many ids per message.

Publishing one Celery message costs the web process about half a millisecond of CPU, more
than the rest of a webhook acknowledgement (HMAC, parse, one INSERT) put together. A
`BatchPublisher` takes the ids of committed job rows and a background thread of the process
sends them as `system.send_jobs(task_name, ids)` messages of up to `batch_size` ids; a worker
fans those out to one job message per id.

Nothing is lost with the thread: the rows are committed `pending` before `submit()`, so ids
that die with the process (or meet a broker outage) are re-sent by the stuck-job sweeper
(config/jobs/sweeper.py). At a normal exit the queue is drained first.
"""

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

SEND_JOBS_TASK = "system.send_jobs"

logger = logging.getLogger(__name__)


def send_each(task_name: str, ids: list) -> None:
    """One `task_name(pk)` message per id, over one producer connection."""
    from config.celery import app

    with app.producer_or_acquire() as producer:
        for pk in ids:
            app.send_task(task_name, args=[pk], producer=producer)


def send_batch(task_name: str, ids: list) -> None:
    from config.celery import app

    app.send_task(SEND_JOBS_TASK, args=[task_name, ids])


class BatchPublisher:
    def __init__(
        self,
        task_name: str,
        *,
        batch_size: int = 200,
        linger_s: float = 0.02,
        send: Callable[[str, list], None] = send_batch,
    ):
        self.task_name = task_name
        self.batch_size = batch_size
        # How long a batch waits for company after its first id: under load, one message per
        # many ids; when idle, at most this much added before a job starts.
        self.linger_s = linger_s
        self._send = send
        self._lock = threading.Lock()
        self._pid = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()

    def submit(self, pk) -> None:
        """Hand over the id of a committed `pending` row; returns at once."""
        if self._pid != os.getpid():
            self._start()
        self._queue.put(pk)

    def flush(self) -> None:
        """Send everything submitted so far from the calling thread (exit, tests)."""
        while batch := self._take(linger_s=None):
            self._publish(batch)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the queue but not the thread: start afresh.
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._run, name=f"publish {self.task_name}", daemon=True).start()
            if self._pid is None:
                atexit.register(self.flush)
            self._pid = os.getpid()

    def _take(self, *, linger_s: float | None) -> list:
        """The next batch: waits for a first id and then up to `linger_s` for more; with
        `linger_s=None`, only what is queued now."""
        try:
            batch = [self._queue.get(block=linger_s is not None)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + (linger_s or 0)
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get(timeout=max(deadline - time.monotonic(), 0)))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            self._publish(self._take(linger_s=self.linger_s))

    def _publish(self, batch: list) -> None:
        try:
            self._send(self.task_name, batch)
        except Exception:
            logger.exception(
                "could not send %d %s job(s); the stuck-job sweeper will re-send them", len(batch), self.task_name
            )
