"""Database connections of threads that wait on the network.

With the connection pool (settings DB_POOL_*), `connection.close()` hands the thread's
connection back to its process's pool; without it, it closes the connection. Either way a
thread that is about to wait on a provider or a thread pool should hold none.

Pools are made per process on first use. No process opens one before it forks (gunicorn loads
the application in each worker; a Celery worker's main process runs no task), so a forked
process never inherits a pool.
"""

from django.db import connection


def release_connection() -> None:
    """Give this thread's database connection back before a long wait, unless a transaction
    is open on it (then it must stay: the transaction's work is not committed yet)."""
    if not connection.in_atomic_block:
        connection.close()
