"""`make run`'s first start: a local `.env` so `manage.py` works outside `make run` too.

The settings read `.env` (config/settings/base.py) and require SECRET_KEY unless DEBUG is on.
`python -m config.ops.localenv [path]` writes `.env` with a generated SECRET_KEY and
DEBUG=true when there is none; an existing file is never touched. The file is gitignored and
kept out of Docker images (.dockerignore).
"""

import os
import secrets
import sys
from pathlib import Path

TEMPLATE = """\
# Written by `make run` for local development; never committed (.gitignore) nor copied into an
# image (.dockerignore). Environment variables override what is set here. Not for production:
# DEBUG=true turns on dev-safe defaults (see README, Configuration); `docker compose` reads this
# file too, so set DEBUG=false here (or remove the file) before starting the compose stack.
DEBUG=true
SECRET_KEY={secret_key}
"""


def ensure_local_env(path: Path) -> bool:
    """Write `path` with a new SECRET_KEY and DEBUG=true unless it exists; True when written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as env_file:
        env_file.write(TEMPLATE.format(secret_key=secrets.token_urlsafe(50)))
    return True


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / ".env"
    if ensure_local_env(path):
        print(f"wrote {path} (DEBUG=true, a generated SECRET_KEY) for local development")


if __name__ == "__main__":
    main(sys.argv[1:])
