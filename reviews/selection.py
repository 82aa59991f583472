"""Which changed files of a pull request are sent for review, and why the others are not."""

from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import PurePosixPath

from reviews.choices import SkipReason

LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "poetry.lock",
        "pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "gemfile.lock",
        "composer.lock",
        "go.sum",
        "mix.lock",
        "podfile.lock",
        "packages.lock.json",
        "flake.lock",
    }
)
VENDORED_GLOBS = (
    "vendor/*",
    "*/vendor/*",
    "node_modules/*",
    "*/node_modules/*",
    "third_party/*",
    "*/third_party/*",
    "dist/*",
    "*/dist/*",
    "build/*",
    "*/build/*",
    "*.min.js",
    "*.min.css",
    "*.map",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
    "*/generated/*",
    "generated/*",
    "*.snap",
)


@dataclass(frozen=True)
class Selection:
    files: list[dict]  # GitHub diff entries to review, largest change first
    skipped: list[dict]  # [{"path", "reason"}]


def path_matches(path: str, globs) -> bool:
    """Whether a glob matches the path (`*` crosses `/`) or its file name."""
    name = PurePosixPath(path).name
    return any(fnmatch(path, glob) or fnmatch(name, glob) for glob in globs)


def skip_reason(entry: dict, *, ignore_globs, include_globs=()) -> str | None:
    path = entry["filename"]
    if entry.get("status") == "removed":
        return SkipReason.REMOVED
    if PurePosixPath(path).name.lower() in LOCK_FILES or path.endswith(".lock"):
        return SkipReason.LOCK_FILE
    if path_matches(path, VENDORED_GLOBS):
        return SkipReason.VENDORED
    if include_globs and not path_matches(path, include_globs):
        return SkipReason.NOT_INCLUDED
    if ignore_globs and path_matches(path, ignore_globs):
        return SkipReason.IGNORED
    if not entry.get("patch"):
        return SkipReason.BINARY
    return None


def select_files(entries: list[dict], *, ignore_globs=(), include_globs=(), max_files: int) -> Selection:
    """`include_globs` (when given) are the only paths reviewed; `ignore_globs` are never reviewed.
    A large patch is not skipped here: reviews/chunks.py cuts it into calls that fit."""
    reviewable, skipped = [], []
    for entry in entries:
        reason = skip_reason(entry, ignore_globs=ignore_globs, include_globs=include_globs)
        if reason:
            skipped.append({"path": entry["filename"], "reason": str(reason)})
        else:
            reviewable.append(entry)
    reviewable.sort(key=lambda entry: (-(entry.get("changes") or 0), entry["filename"]))
    for entry in reviewable[max_files:]:
        skipped.append({"path": entry["filename"], "reason": str(SkipReason.FILE_CAP)})
    return Selection(files=reviewable[:max_files], skipped=skipped)
