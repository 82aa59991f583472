"""The repository's own configuration: `.triage-desk.yml` on its default branch.

Read through the contents API, parsed with `yaml.safe_load`, validated against SCHEMA below,
and laid over the admin's RepositorySettings: every key the file gives wins, every other key
is the admin's. An invalid file is not applied at all (the admin's settings are) and its
errors are reported (which key, why) in the review summary or the write-back's log.

Which commit is read, and cached (the Django cache, per repository and commit):
- a review reads the file at the pull request's base SHA (`pull.base_sha`): a commit of the
  branch the pull request merges into (the default branch for nearly every pull request),
  known from the delivery without a request, and immutable, so the cache entry never goes
  stale and a pull request's own edits to the file never configure its own review;
- the triage write-back has no commit in its delivery: it reads the default branch (no
  `ref`) and keeps that answer REPO_CONFIG_HEAD_TTL_S seconds.
"""

import base64
import binascii
import logging
from dataclasses import dataclass, field

import yaml
from django.conf import settings
from django.core.cache import cache

from reviews.choices import Severity, TriageWriteback

logger = logging.getLogger(__name__)

CONFIG_PATH = ".triage-desk.yml"
CACHE_VERSION = 1
# A commit's file never changes: its entry only has to outlive the pull request's activity.
COMMIT_TTL_S = 7 * 24 * 3600
MAX_FILE_BYTES = 64 * 1024
MAX_LIST_ITEMS = 200
MAX_GLOB_CHARS = 300
MAX_INSTRUCTIONS_CHARS = 2000
MAX_FILES_LIMIT = 3000  # GitHub lists at most 3,000 files of a pull request
MAX_BUDGET_TOKENS = 10_000_000

SOURCE_ADMIN = "admin"
SOURCE_FILE = "file"


@dataclass
class EffectiveSettings:
    """The settings a review or write-back of one repository obeys: the admin's, with the keys
    `.triage-desk.yml` gives laid over them. `config_error` names what was wrong with the file
    (then nothing of it applies); `known` is False when the file was not read (cache only)."""

    enabled: bool = True
    drafts: bool = False
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_files: int = 20
    ignore_authors: list[str] = field(default_factory=list)
    ignore_labels: list[str] = field(default_factory=list)
    ignore_title_keywords: list[str] = field(default_factory=list)
    ignore_base_branches: list[str] = field(default_factory=list)
    triage_github: str = TriageWriteback.LABELS_AND_COMMENT
    create_missing_labels: bool = True
    # Read by the review itself (reviews/services/scope.py, findings.py).
    path_instructions: list[dict] = field(default_factory=list)
    severity_threshold: str | None = None
    budget_tokens: int | None = None
    # Where these came from.
    source: str = SOURCE_ADMIN
    commit: str = ""
    config_error: str = ""
    known: bool = True


# --- validation -------------------------------------------------------------------------------


class _Errors(list):
    def add(self, key: str, why: str) -> None:
        self.append(f"{key}: {why}")


def _bool(value, key, errors):
    if isinstance(value, bool):
        return value
    errors.add(key, f"must be true or false, not {value!r}")
    return None


def _int(value, key, errors, *, low: int, high: int):
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    errors.add(key, f"must be a whole number from {low} to {high}, not {value!r}")
    return None


def _strings(value, key, errors, *, max_chars: int = MAX_GLOB_CHARS):
    if not isinstance(value, list):
        errors.add(key, "must be a list of strings")
        return None
    if len(value) > MAX_LIST_ITEMS:
        errors.add(key, f"has {len(value)} items; at most {MAX_LIST_ITEMS}")
        return None
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item) > max_chars:
            errors.add(f"{key}[{index}]", f"must be a non-empty string of at most {max_chars} characters")
            return None
    return [item.strip() for item in value]


def _choice(value, key, errors, choices):
    if isinstance(value, str) and value in choices.values:
        return value
    errors.add(key, f"must be one of {', '.join(choices.values)}, not {value!r}")
    return None


def _path_instructions(value, key, errors):
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        errors.add(key, f"must be a list (at most {MAX_LIST_ITEMS}) of {{path, instructions}}")
        return None
    result = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            errors.add(where, "must be a mapping with `path` and `instructions`")
            return None
        unknown = set(item) - {"path", "instructions"}
        if unknown:
            errors.add(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
            return None
        path = _strings([item.get("path")], f"{where}.path", errors)
        text = _strings([item.get("instructions")], f"{where}.instructions", errors, max_chars=MAX_INSTRUCTIONS_CHARS)
        if path is None or text is None:
            return None
        result.append({"path": path[0], "instructions": text[0]})
    return result


def _triage_mode(value, key, errors):
    # YAML 1.1 (PyYAML) reads an unquoted `off` as false.
    if value is False:
        return TriageWriteback.OFF.value
    return _choice(value, key, errors, TriageWriteback)


def _section(data, key, errors, fields) -> dict:
    """Validate one mapping: each known key by its reader, unknown keys are errors."""
    if not isinstance(data, dict):
        errors.add(key, "must be a mapping")
        return {}
    values = {}
    for name, value in data.items():
        reader = fields.get(name)
        path = f"{key}.{name}" if key else str(name)
        if reader is None:
            errors.add(path, f"unknown key (known: {', '.join(fields)})")
            continue
        parsed = reader(value, path, errors)
        if parsed is not None:
            values[name] = parsed
    return values


_IGNORE = {name: _strings for name in ("authors", "labels", "title_keywords", "base_branches")}
_REVIEWS = {
    "enabled": _bool,
    "drafts": _bool,
    "include": _strings,
    "exclude": _strings,
    "path_instructions": _path_instructions,
    "severity_threshold": lambda value, key, errors: _choice(value, key, errors, Severity),
    "max_files": lambda value, key, errors: _int(value, key, errors, low=1, high=MAX_FILES_LIMIT),
    "budget_tokens": lambda value, key, errors: _int(value, key, errors, low=1, high=MAX_BUDGET_TOKENS),
    "ignore": lambda value, key, errors: _section(value, key, errors, _IGNORE),
}
_TRIAGE = {"github": _triage_mode}
SCHEMA = {
    "reviews": lambda value, key, errors: _section(value, key, errors, _REVIEWS),
    "triage": lambda value, key, errors: _section(value, key, errors, _TRIAGE),
}


def parse_config(text: str) -> tuple[dict, list[str]]:
    """The file's settings ({"reviews": {...}, "triage": {...}}, only the keys it gives) and
    its errors; with any error the settings are {}. An empty file is valid and gives nothing."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, [f"not valid YAML{where}: {problem}"]
    if data is None:
        return {}, []
    errors = _Errors()
    values = _section(data, "", errors, SCHEMA)
    return ({}, list(errors)) if errors else (values, [])


def _decode(answer) -> tuple[str | None, list[str]]:
    """The file's text from a contents API answer, or why it could not be read."""
    if not isinstance(answer, dict) or answer.get("type") != "file":
        return None, [f"{CONFIG_PATH} is not a file"]
    if answer.get("encoding") != "base64" or (answer.get("size") or 0) > MAX_FILE_BYTES:
        return None, [f"{CONFIG_PATH} is larger than {MAX_FILE_BYTES // 1024} KB"]
    try:
        raw = base64.b64decode("".join((answer.get("content") or "").split()), validate=True)
        return raw.decode("utf-8"), []
    except (binascii.Error, UnicodeDecodeError):
        return None, [f"{CONFIG_PATH} is not UTF-8 text"]


# --- reading, cached ----------------------------------------------------------------------------


def _cache_key(repository: str, commit: str) -> str:
    return f"repo-config:{CACHE_VERSION}:{repository.lower()}:{commit or 'HEAD'}"


def _read(repository: str, commit: str, *, installation_id: int | None = None) -> dict:
    """{"found", "values", "errors"} for the file at `commit` ("" = the default branch),
    from the cache or from GitHub. Rate limits and server errors propagate (the job waits or
    retries); a refusal (e.g. no `contents` permission) is an error of the file, not cached."""
    from reviews.github import GitHubClient, GitHubError

    key = _cache_key(repository, commit)
    found = cache.get(key)
    if found is not None:
        return found
    client = GitHubClient.for_repository(repository, installation_id=installation_id)
    try:
        answer = client.get_file(repository, CONFIG_PATH, ref=commit or None)
    except GitHubError as exc:
        return {"found": True, "values": {}, "errors": [f"{CONFIG_PATH} could not be read: {exc}"]}
    if answer is None:
        result = {"found": False, "values": {}, "errors": []}
    else:
        text, errors = _decode(answer)
        values, errors = parse_config(text) if text is not None else ({}, errors)
        result = {"found": True, "values": values, "errors": errors}
    cache.set(key, result, COMMIT_TTL_S if commit else settings.REPO_CONFIG_HEAD_TTL_S)
    return result


def _admin(project) -> EffectiveSettings:
    from reviews.selectors import repository_settings

    admin = repository_settings(project)
    return EffectiveSettings(
        enabled=admin.enabled,
        exclude=list(admin.ignore_globs or ()),
        max_files=admin.max_files,
        triage_github=admin.triage_writeback,
        create_missing_labels=admin.create_missing_labels,
        severity_threshold=admin.severity_threshold or None,
    )


def _apply(effective: EffectiveSettings, result: dict) -> EffectiveSettings:
    if result["errors"]:
        effective.config_error = "; ".join(result["errors"])
        logger.warning("%s ignored, the admin's settings apply: %s", CONFIG_PATH, effective.config_error)
        return effective
    if not result["found"]:
        return effective
    effective.source = SOURCE_FILE
    reviews = result["values"].get("reviews", {})
    for name in ("enabled", "drafts", "include", "exclude", "path_instructions", "max_files"):
        if name in reviews:
            setattr(effective, name, reviews[name])
    if "severity_threshold" in reviews:
        effective.severity_threshold = reviews["severity_threshold"]
    if "budget_tokens" in reviews:
        effective.budget_tokens = reviews["budget_tokens"]
    for name, value in reviews.get("ignore", {}).items():
        setattr(effective, f"ignore_{name}", value)
    triage = result["values"].get("triage", {})
    if "github" in triage:
        effective.triage_github = triage["github"]
    return effective


def effective_settings(
    project, repository: str, *, commit: str = "", fetch: bool = True, installation_id: int | None = None
) -> EffectiveSettings:
    """The admin's settings of the project with the repository's file at `commit` ("" = the
    default branch's head) laid over them. `fetch=False` reads only the database and the
    cache: when the file's answer is not cached, the admin's settings with `known=False`."""
    from reviews.github import GitHubNotConfigured

    effective = _admin(project)
    effective.commit = commit
    if not repository:
        return effective
    if not fetch:
        result = cache.get(_cache_key(repository, commit))
        if result is None:
            effective.known = False
            return effective
        return _apply(effective, result)
    try:
        result = _read(repository, commit, installation_id=installation_id)
    except GitHubNotConfigured:
        return effective  # nothing can be read from GitHub: the admin's settings
    return _apply(effective, result)
