"""Real `celery -A config worker` processes for tests that need several of them."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent


def worker_env(**overrides: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "LLM_RATELIMIT_STORAGE_URL": settings.LLM_RATELIMIT_STORAGE_URL,
        "OPENAI_API_KEY": settings.OPENAI_API_KEY,
        "OPENAI_BASE_URL": settings.OPENAI_BASE_URL or "",
        **overrides,
    }


@contextmanager
def celery_workers(*, count: int, queue: str, concurrency: int, env: dict[str, str], log=None, pool: str = "prefork"):
    """Start `count` worker processes consuming `queue`; stop them on exit."""
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "-P",
                pool,
                "-c",
                str(concurrency),
                "-n",
                f"{queue}-{index}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=log or subprocess.DEVNULL,
            stderr=log,
        )
        for index in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
