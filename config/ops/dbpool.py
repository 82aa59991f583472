"""Database connections of threads that wait on the network, and of forked worker processes.

With the connection pool (settings DB_POOL_*), `connection.close()` hands the thread's
connection back to its process's pool; without it, it closes the connection. Either way a
thread that is about to wait on a provider or a thread pool should hold none.
"""

import os
import sys

from django.db import connection

# Pools a forked process inherited from its parent: never used nor closed (closing would end
# the parent's connections, which share the sockets), only kept from the garbage collector.
_inherited_pools: list = []


def release_connection() -> None:
    """Give this thread's database connection back before a long wait, unless a transaction
    is open on it (then it must stay: the transaction's work is not committed yet)."""
    if not connection.in_atomic_block:
        connection.close()


def _forget_inherited_pools() -> None:
    """In a freshly forked process (a Celery pool process, a gunicorn worker): the first query
    opens a pool of the process's own."""
    backend = sys.modules.get("django.db.backends.postgresql.base")
    if backend is None:
        return  # not loaded, so no pool either
    pools = backend.DatabaseWrapper._connection_pools
    _inherited_pools.extend(pool for pool in pools.values() if pool is not None)
    pools.clear()


os.register_at_fork(after_in_child=_forget_inherited_pools)
