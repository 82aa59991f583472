"""`make run`'s process manager: honcho, running the Procfile, with time for a clean stop.

On Ctrl-C honcho sends SIGTERM to each process group and SIGKILLs whatever still runs after
`KILL_WAIT` seconds, 5 by default. An idle worker on the embedded filesystem broker needs about
6 s for its warm shutdown (its polling loop, then the pool and timers), so it was killed
mid-shutdown. This gives the processes KILL_WAIT_S instead; `make run` also runs the worker
with the threads pool (CELERY_WORKER_POOL=threads), because honcho's group SIGTERM would reach
prefork's pool processes directly: they die holding the pool's queue lock ("Process
'ForkPoolWorker-1' exited with 'signal 15'" errors) and the parent then never exits.

    python -m config.ops.procs start -f Procfile
"""

import sys

import honcho.manager
from honcho.command import main

KILL_WAIT_S = 20

if __name__ == "__main__":
    honcho.manager.KILL_WAIT = KILL_WAIT_S
    sys.exit(main())
