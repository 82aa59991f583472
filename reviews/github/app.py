"""GitHub App authentication: the App's JWT, and installation access tokens shared by every
process through Django's cache (Redis).

A token lives an hour (its `expires_at`); it is used until TOKEN_MARGIN_S before that, so one
installation costs one token request per ~55 minutes, however many workers call GitHub. A
short lock in the cache makes concurrent workers mint one token, not one each.
"""

import functools
import logging
import threading
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from reviews.github.client import GitHubClient, GitHubNotConfigured

logger = logging.getLogger(__name__)

# GitHub refuses an `exp` more than 10 minutes ahead of its clock; `iat` a minute back absorbs drift.
JWT_BACKDATE_S = 60
JWT_LIFETIME_S = 9 * 60
# A cached installation token is replaced this long before its expires_at.
TOKEN_MARGIN_S = 5 * 60
# The mint lock: held for one POST at most; others wait for its token up to LOCK_WAIT_S.
LOCK_TIMEOUT_S = 30
LOCK_WAIT_S = 15.0
LOCK_POLL_S = 0.05


def _now() -> float:
    """The clock tokens are dated and judged by (tests move it)."""
    return time.time()


def app_configured() -> bool:
    return bool(settings.GITHUB_APP_ID and (settings.GITHUB_APP_PRIVATE_KEY or settings.GITHUB_APP_PRIVATE_KEY_PATH))


def _key_text() -> str:
    text = settings.GITHUB_APP_PRIVATE_KEY
    if not text and settings.GITHUB_APP_PRIVATE_KEY_PATH:
        try:
            text = Path(settings.GITHUB_APP_PRIVATE_KEY_PATH).read_text()
        except OSError as exc:
            raise GitHubNotConfigured(
                f"GitHub not configured: GITHUB_APP_PRIVATE_KEY_PATH cannot be read ({exc.__class__.__name__})"
            ) from exc
    # An env file may carry the PEM on one line with "\n" escapes.
    return text.replace("\\n", "\n").strip()


@functools.lru_cache(maxsize=4)
def _load_key(text: str) -> RSAPrivateKey:
    """The App's key from PEM text: PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub hands it out) or
    PKCS#8 (`BEGIN PRIVATE KEY`)."""
    try:
        key = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise GitHubNotConfigured("GitHub not configured: the GitHub App private key is not a PEM private key") from exc
    if not isinstance(key, RSAPrivateKey):
        raise GitHubNotConfigured("GitHub not configured: the GitHub App private key is not an RSA key")
    return key


def app_jwt() -> str:
    """A JWT for the App's own endpoints (/app/..., a repository's installation): RS256, issued
    a minute back, valid 9 minutes, `iss` the app id or client id."""
    if not app_configured():
        raise GitHubNotConfigured()
    now = int(_now())
    claims = {"iat": now - JWT_BACKDATE_S, "exp": now + JWT_LIFETIME_S, "iss": str(settings.GITHUB_APP_ID)}
    return jwt.encode(claims, _load_key(_key_text()), algorithm="RS256")


def app_client() -> GitHubClient:
    """A client for the App's own endpoints; a JWT refused with 401 is signed again once."""
    return GitHubClient(token=app_jwt(), reauthenticate=app_jwt)


# --- installation tokens --------------------------------------------------------------------

# This process's copy: token and the time it must be replaced, per (app id, installation).
_tokens: dict[tuple[str, int], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _cache_key(installation_id: int) -> str:
    return f"github-app:{settings.GITHUB_APP_ID}:installation-token:{installation_id}"


def clear_local_tokens() -> None:
    """Forget this process's copies (the shared cache keeps its own)."""
    with _tokens_lock:
        _tokens.clear()


def _fresh(entry) -> bool:
    return isinstance(entry, dict) and entry.get("refresh_at", 0) > _now()


def _remember(installation_id: int, entry: dict) -> str:
    with _tokens_lock:
        _tokens[(str(settings.GITHUB_APP_ID), installation_id)] = (entry["token"], entry["refresh_at"])
    return entry["token"]


def _mint(installation_id: int) -> dict:
    """POST /app/installations/{id}/access_tokens, stored in the shared cache until its refresh time."""
    data = app_client().create_installation_token(installation_id)
    expires = parse_datetime(data.get("expires_at") or "")
    expires_at = expires.timestamp() if expires else _now() + 3600
    entry = {"token": data["token"], "refresh_at": expires_at - TOKEN_MARGIN_S}
    cache.set(_cache_key(installation_id), entry, timeout=max(1, int(entry["refresh_at"] - _now())))
    logger.info("GitHub App: minted a token for installation %s (expires %s)", installation_id, data.get("expires_at"))
    return entry


def installation_token(installation_id: int) -> str:
    """A valid access token of the installation: this process's copy, else the shared cache's,
    else a new one minted by exactly one of the processes asking at the same time."""
    with _tokens_lock:
        local = _tokens.get((str(settings.GITHUB_APP_ID), installation_id))
    if local and local[1] > _now():
        return local[0]
    key = _cache_key(installation_id)
    entry = cache.get(key)
    if _fresh(entry):
        return _remember(installation_id, entry)
    lock_key, owner = f"{key}:lock", uuid.uuid4().hex
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        if cache.add(lock_key, owner, timeout=LOCK_TIMEOUT_S):
            try:
                entry = cache.get(key)
                if not _fresh(entry):
                    entry = _mint(installation_id)
            finally:
                if cache.get(lock_key) == owner:
                    cache.delete(lock_key)
            return _remember(installation_id, entry)
        time.sleep(LOCK_POLL_S)
        entry = cache.get(key)
        if _fresh(entry):
            return _remember(installation_id, entry)
        if time.monotonic() > deadline:  # the lock holder is stuck or gone: do not wait forever
            return _remember(installation_id, _mint(installation_id))


def drop_installation_token(installation_id: int, token: str | None = None) -> None:
    """Forget the installation's token (only `token`, if given: another process may have
    replaced it already), here and in the shared cache."""
    with _tokens_lock:
        local = _tokens.get((str(settings.GITHUB_APP_ID), installation_id))
        if local and (token is None or local[0] == token):
            del _tokens[(str(settings.GITHUB_APP_ID), installation_id)]
    key = _cache_key(installation_id)
    entry = cache.get(key)
    if isinstance(entry, dict) and (token is None or entry.get("token") == token):
        cache.delete(key)


def installation_client(installation_id: int) -> GitHubClient:
    """A client acting as the installation; a token refused with 401 is dropped, minted again
    and the request sent once more."""
    token = installation_token(installation_id)
    client = GitHubClient(token=token)

    def reauthenticate() -> str:
        drop_installation_token(installation_id, client.token)
        return installation_token(installation_id)

    client.reauthenticate = reauthenticate
    return client
