"""Gunicorn reads this file from the working directory: `gunicorn config.wsgi` needs no flags.

It binds $HOST:$PORT. With PORT set and no HOST (a platform that hands out the port, the Docker
image, which sets HOST=0.0.0.0 anyway) it is gunicorn's own default, 0.0.0.0:$PORT; with neither,
127.0.0.1:8000. `make run` sets HOST=127.0.0.1 unless told otherwise. It runs
$WEB_CONCURRENCY workers (gunicorn reads that variable itself).

It expects a reverse proxy in front (nginx, a load balancer, the platform's router) that
terminates TLS, buffers slow clients and sets X-Forwarded-Proto: each worker holds only a few
connections at once (`worker_connections` below), so it must not face the internet directly.
See docs/operations.md.
"""

import os

_host = os.environ.get("HOST", "")
_port = os.environ.get("PORT", "")
if _host or not _port:
    _host = _host or "127.0.0.1"
    bind = [f"[{_host}]:{_port or 8000}" if ":" in _host and not _host.startswith("[") else f"{_host}:{_port or 8000}"]
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker takes at most two connections per thread; further ones wait in the kernel's accept
# queue, which all workers share, so a burst is served in arrival order by whichever worker is
# free first rather than queueing behind one busy worker (webhook p99 at 50 clients: 82-90 ms
# with gunicorn's 1,000, 53-65 ms with this). Idle keep-alive connections cannot crowd out new
# ones: gunicorn keeps at most `worker_connections - threads` of them and closes the rest after
# their response.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(2 * threads)))
timeout = 30
# The workers' heartbeat touches a file on every loop: on tmpfs, not the disk (gunicorn's advice).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
graceful_timeout = 20
accesslog = "-"
access_log_format = (
    '{"event":"http","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)


def post_worker_init(worker):
    from config.ops.warmup import ready_web_process

    ready_web_process(worker)
