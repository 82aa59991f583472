"""Readying a long-running process before it takes work: load and connect what Django would
otherwise do on the first requests, then hide everything loaded so far from the cyclic garbage
collector.

Measured on the webhook benchmark (2 gunicorn workers of 8 threads, 50 clients):
- A full (generation 2) collection walks every tracked object. In a process holding Django,
  DRF, Celery and the openai SDK that is 60-80 ms with the GIL held, during which no thread of
  the process answers, and it came round every second under load. After `gc.freeze()` the
  start-up objects are never walked again and a full collection costs single milliseconds.
- The first job publish imported and built Celery's and kombu's sending machinery: 17 ms.
- Sixteen threads each opening their database connection on their first request made
  PostgreSQL start sixteen backends inside the first burst; its first hundred requests waited
  50-100 ms longer than the rest.
"""

import gc
import logging
import threading

from django.db import connection

logger = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    gc.collect()
    gc.freeze()


def connect_request_threads(worker) -> None:
    """Open the database connection of every request thread of a gunicorn worker now.

    Only with persistent connections (CONN_MAX_AGE), which are kept per thread. A database
    that is down must not stop the web server from starting (/readyz reports it), so a failure
    is logged and the threads connect on their first request as usual."""
    if not connection.settings_dict.get("CONN_MAX_AGE"):
        return
    thread_pool = getattr(worker, "tpool", None)  # the gthread worker's; a sync worker serves on this thread
    try:
        if thread_pool is None:
            connection.ensure_connection()
            return
        threads = worker.cfg.threads
        # Every job waits for all the others, so the pool (which adds a thread while none is
        # idle) runs each on a thread of its own.
        all_started = threading.Barrier(threads)

        def connect() -> None:
            all_started.wait(timeout=10)
            connection.ensure_connection()

        for future in [thread_pool.submit(connect) for _ in range(threads)]:
            future.result()
    except Exception as exc:  # any driver error: connect lazily instead
        logger.warning("could not connect the request threads at start: %s", exc)


def load_job_publishing() -> None:
    """Import and build what the first Celery publish would: 17 ms with the GIL held,
    while the request threads wait. Nothing connects to the broker here."""
    from config.celery import app

    app.amqp, app.backend, app.producer_pool  # noqa: B018 - built on first access
    with app.connection_for_write() as broker:
        broker.transport  # noqa: B018 - imports the transport module


def ready_web_process(worker) -> None:
    """gunicorn's post_worker_init: the WSGI application is loaded, no request taken yet."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf, and through it every view
    load_job_publishing()
    connect_request_threads(worker)
    freeze_startup_objects()


def ready_worker_process(**_signal_kwargs) -> None:
    """Celery's worker_process_init, in each pool process: the tasks are imported."""
    freeze_startup_objects()
