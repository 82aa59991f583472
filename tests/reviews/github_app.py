"""GitHub's App endpoints as the tests see them, hooked into FakeGitHub (`fake_github.app`).

The App's JWT is verified with the App's public key (RS256, `iss`, `iat`, `exp` at most 10
minutes ahead); installation tokens are handed out with an `expires_at` an hour ahead and
refused with 401 on every other endpoint once expired, revoked or unknown. Requests are
validated against the API description by FakeGitHub before they get here.
"""

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tests.reviews.github import API_URL, validate_response

APP_ID = 123456
TOKEN_LIFETIME_S = 3600
JSON = {"Content-Type": "application/json"}


def private_key_pem(key: rsa.RSAPrivateKey, *, pkcs8: bool = False) -> str:
    """PEM text as GitHub hands it out (PKCS#1, `BEGIN RSA PRIVATE KEY`) or as PKCS#8."""
    fmt = PrivateFormat.PKCS8 if pkcs8 else PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(Encoding.PEM, fmt, NoEncryption()).decode()


@dataclass
class Clock:
    """The time both sides see: starts now, moved forward by tests."""

    offset: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _account(login: str) -> dict:
    return {
        "login": login,
        "id": 21031067,
        "node_id": "MDQ6VXNlcjIxMDMxMDY3",
        "avatar_url": "https://avatars1.githubusercontent.com/u/21031067?v=4",
        "gravatar_id": "",
        "url": f"{API_URL}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{API_URL}/users/{login}/followers",
        "following_url": f"{API_URL}/users/{login}/following{{/other_user}}",
        "gists_url": f"{API_URL}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{API_URL}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{API_URL}/users/{login}/subscriptions",
        "organizations_url": f"{API_URL}/users/{login}/orgs",
        "repos_url": f"{API_URL}/users/{login}/repos",
        "events_url": f"{API_URL}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{API_URL}/users/{login}/received_events",
        "type": "User",
        "site_admin": False,
    }


@dataclass
class FakeGitHubApp:
    """One App: its public key, its installations ({id: [repository full names]}), the tokens
    it handed out, and its webhook's delivery attempts (newest first, as GitHub lists them)."""

    key: rsa.RSAPrivateKey
    clock: Clock
    installations: dict[int, list[str]] = field(default_factory=dict)
    suspended: set[int] = field(default_factory=set)
    tokens: dict[str, tuple[int, float]] = field(default_factory=dict)
    minted: list[int] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    redelivered: list[int] = field(default_factory=list)
    used_tokens: list[str] = field(default_factory=list)

    # --- what tests arrange -------------------------------------------------------------------

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def add_delivery(self, guid: str, status: str = "OK", *, minutes_ago: float = 1, event: str = "issues") -> dict:
        """An attempt at `guid`, kept newest first."""
        attempt = {
            "id": 9_000_000 + len(self.deliveries),
            "guid": guid,
            "delivered_at": _iso(self.clock.now() - minutes_ago * 60),
            "redelivery": False,
            "duration": 0.5,
            "status": status,
            "status_code": 202 if status == "OK" else 502,
            "event": event,
            "action": "opened",
            "installation_id": 1,
            "repository_id": 186853002,
        }
        self.deliveries.append(attempt)
        self.deliveries.sort(key=lambda item: item["delivered_at"], reverse=True)
        return attempt

    # --- the hook into FakeGitHub -------------------------------------------------------------

    def answer(self, key: str, request):
        """The answer to an App operation, a 401 for a bad token elsewhere, or None to let
        FakeGitHub answer the repository operation."""
        auth = request.headers.get("Authorization", "")
        if key.split(" ", 1)[1].startswith("/app/") or key == "GET /repos/{owner}/{repo}/installation":
            refusal = self._check_jwt(auth)
            if refusal:
                return self._error(key, 401, refusal)
            return self._app_operation(key, request.url)
        token = auth.removeprefix("Bearer ")
        installation, expires = self.tokens.get(token, (None, 0.0))
        if installation is None or expires <= self.clock.now():
            return 401, JSON, json.dumps({"message": "Bad credentials"})
        if installation in self.suspended:
            return 403, JSON, json.dumps({"message": "This installation has been suspended"})
        self.used_tokens.append(token)
        return None

    def _check_jwt(self, auth: str) -> str:
        if not auth.startswith("Bearer "):
            return "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(
                auth.removeprefix("Bearer "),
                self.key.public_key(),
                algorithms=["RS256"],
                issuer=str(APP_ID),
                options={"require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            return f"A JSON web token could not be decoded: {exc}"
        now = self.clock.now()
        if claims["exp"] <= now:
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time"
        if claims["exp"] > now + 600:
            return "'Expiration time' claim ('exp') is too far in the future"
        if claims["iat"] > now + 60:
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        return ""

    def _error(self, key: str, status: int, message: str):
        body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        validate_response(key, status, body)
        return status, JSON, json.dumps(body)

    def _app_operation(self, key: str, url: str):
        path = urlsplit(url).path
        if key == "POST /app/installations/{installation_id}/access_tokens":
            installation = int(re.search(r"/app/installations/(\d+)/", path).group(1))
            if installation not in self.installations:
                return self._error(key, 404, "Not Found")
            if installation in self.suspended:
                return self._error(key, 403, "This installation has been suspended")
            token = f"ghs_{secrets.token_hex(18)}"
            expires = self.clock.now() + TOKEN_LIFETIME_S
            self.tokens[token] = (installation, expires)
            self.minted.append(installation)
            body = {
                "token": token,
                "expires_at": _iso(expires),
                "permissions": {"issues": "write", "pull_requests": "write", "metadata": "read"},
                "repository_selection": "selected",
            }
            validate_response(key, 201, body)
            return 201, JSON, json.dumps(body)
        if key == "GET /repos/{owner}/{repo}/installation":
            repository = "/".join(path.split("/")[2:4])
            for installation, repositories in self.installations.items():
                if repository.lower() in (name.lower() for name in repositories):
                    return 200, JSON, json.dumps(self._installation(installation, repository))
            return self._error(key, 404, "Not Found")
        if key == "GET /app/hook/deliveries":
            return self._deliveries_page(key, url)
        if key == "POST /app/hook/deliveries/{delivery_id}/attempts":
            self.redelivered.append(int(path.rsplit("/", 2)[1]))
            validate_response(key, 202, {})
            return 202, JSON, json.dumps({})
        raise AssertionError(f"{key} is not faked")

    def _installation(self, installation: int, repository: str) -> dict:
        owner = repository.split("/")[0]
        body = {
            "id": installation,
            "account": _account(owner),
            "repository_selection": "selected",
            "access_tokens_url": f"{API_URL}/app/installations/{installation}/access_tokens",
            "repositories_url": f"{API_URL}/installation/repositories",
            "html_url": f"https://github.com/settings/installations/{installation}",
            "app_id": APP_ID,
            "target_id": 21031067,
            "target_type": "User",
            "permissions": {"issues": "write", "pull_requests": "write", "metadata": "read"},
            "events": ["issues", "pull_request"],
            "created_at": "2026-11-01T10:00:00Z",
            "updated_at": "2026-11-01T10:00:00Z",
            "single_file_name": None,
            "app_slug": "triage-desk",
            "suspended_by": None,
            "suspended_at": None,
        }
        validate_response("GET /repos/{owner}/{repo}/installation", 200, body)
        return body

    def _deliveries_page(self, key: str, url: str):
        """Cursor pages: the cursor is the index of the page's first attempt."""
        query = parse_qs(urlsplit(url).query)
        per_page = int(query.get("per_page", ["30"])[0])
        start = int(query.get("cursor", ["0"])[0])
        chunk = self.deliveries[start : start + per_page]
        validate_response(key, 200, chunk)
        headers = dict(JSON)
        if start + per_page < len(self.deliveries):
            next_url = f"{API_URL}/app/hook/deliveries?per_page={per_page}&cursor={start + per_page}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return 200, headers, json.dumps(chunk)
