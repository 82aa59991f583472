"""Gunicorn reads this file from the working directory: `gunicorn config.wsgi` needs no flags.

It binds to 0.0.0.0:$PORT (gunicorn's own default when PORT is set) and runs
$WEB_CONCURRENCY workers (gunicorn reads that variable itself).
"""

import os

if not os.environ.get("PORT"):
    bind = ["127.0.0.1:8000"]
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
accesslog = "-"
access_log_format = (
    '{"event":"http","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)


def post_worker_init(worker):
    from config.warmup import ready_web_process

    ready_web_process(worker)
