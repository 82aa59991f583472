"""The only code that speaks to the GitHub REST API (requests; GITHUB_API_URL, GITHUB_TOKEN, or
the GitHub App's installation tokens: reviews/github/app.py).

Rate limits become `CapacityWait(retry_after=...)`, server errors `TransientError`, so the calling task
is retried after the wait GitHub asks for; everything else that fails is a `GitHubError`
(a PermanentError). Writes pass the shared content-creation limiter first.
"""

import threading
import time

import requests
from django.conf import settings

from config.jobs.errors import CapacityWait, PermanentError, TransientError
from config.ops.metrics import record_github_rate_limit_wait
from reviews.ratelimit import acquire_write_slot

API_VERSION = "2022-11-28"
PER_PAGE = 100
# GitHub lists at most 3,000 files of a pull request.
MAX_PAGES = 30
# Secondary limit without retry-after and with requests left: wait at least a minute.
SECONDARY_LIMIT_WAIT_S = 60.0


class GitHubError(PermanentError):
    def __init__(self, message: str, *, status: int | None = None, errors=None):
        super().__init__(message, type="github_error")
        self.status = status
        self.errors = errors or []


class GitHubNotConfigured(PermanentError):
    """Neither App credentials nor GITHUB_TOKEN: nothing may be written to GitHub."""

    def __init__(
        self, message: str = "GitHub not configured: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN"
    ):
        super().__init__(message, type="github_not_configured")


class GitHubValidationError(GitHubError):
    """422: GitHub refused the content (e.g. a review comment on a line outside the diff)."""


def _split(repository: str) -> tuple[str, str]:
    owner, _, name = repository.partition("/")
    return owner, name


def _rate_limit_wait(response: requests.Response) -> float | None:
    """Seconds to wait when the response is a primary or secondary rate limit, else None."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    if headers.get("retry-after"):
        try:
            return max(1.0, float(headers["retry-after"]))
        except ValueError:
            return SECONDARY_LIMIT_WAIT_S
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        return max(1.0, float(headers["x-ratelimit-reset"]) - time.time())
    if response.status_code == 429 or "rate limit" in response.text.lower():
        return SECONDARY_LIMIT_WAIT_S
    return None


_local = threading.local()


def _session() -> requests.Session:
    """One session per thread, kept: its pooled connections spare a TLS handshake per request."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


class GitHubClient:
    def __init__(self, *, token: str | None = None, api_url: str | None = None, session=None, reauthenticate=None):
        self.api_url = (api_url or settings.GITHUB_API_URL).rstrip("/")
        self.session = session or _session()
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "triage-desk",
        }
        self.token = token if token is not None else settings.GITHUB_TOKEN
        if self.token:
            self.headers["Authorization"] = f"Bearer {self.token}"
        # Called once when GitHub answers 401: a new token (App JWT or installation token).
        self.reauthenticate = reauthenticate

    @classmethod
    def for_repository(cls, repository: str, *, installation_id: int | None = None) -> "GitHubClient":
        """A client authenticated for calls on `repository` ("owner/name").

        GitHub App mode (GITHUB_APP_ID and its private key) when configured: the installation's
        token, the installation being `installation_id` (from the delivery), else the one stored
        for the repository, else asked of GitHub; a suspended or deleted installation raises a
        PermanentError. Otherwise GITHUB_TOKEN (single-repository mode). Neither: GitHubNotConfigured."""
        from reviews.github import app

        if app.app_configured():
            from reviews.services.installations import installation_for_repository

            return app.installation_client(installation_for_repository(repository, installation_id=installation_id))
        if not settings.GITHUB_TOKEN:
            raise GitHubNotConfigured()
        return cls(token=settings.GITHUB_TOKEN)

    def _authenticate(self, token: str) -> None:
        self.token = token
        self.headers["Authorization"] = f"Bearer {token}"

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, url, headers=self.headers, timeout=settings.GITHUB_TIMEOUT_S, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientError(f"GitHub unreachable: {exc.__class__.__name__}") from exc

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        if not url.startswith("http"):
            url = f"{self.api_url}{url}"
        response = self._send(method, url, **kwargs)
        if response.status_code == 401 and self.reauthenticate is not None:
            # An expired or revoked token: a new one, and this request once more.
            self._authenticate(self.reauthenticate())
            response = self._send(method, url, **kwargs)
        wait = _rate_limit_wait(response)
        if wait is not None:
            record_github_rate_limit_wait("github")
            raise CapacityWait(f"GitHub rate limit ({response.status_code}); retry in {wait:.0f}s", retry_after=wait)
        if response.status_code >= 500:
            raise TransientError(f"GitHub answered {response.status_code}")
        if response.status_code == 422:
            body = _json_or_empty(response)
            errors = body.get("errors") or []
            raise GitHubValidationError(
                f"GitHub refused the request (422): {body.get('message', '')} {errors}".strip(),
                status=422,
                errors=errors,
            )
        if response.status_code >= 400:
            message = _json_or_empty(response).get("message", response.reason)
            raise GitHubError(f"GitHub answered {response.status_code}: {message}", status=response.status_code)
        return response

    def _pages(self, path: str, *, max_pages: int = MAX_PAGES):
        """Each page of a list, following the `Link` header's rel="next" URL."""
        url, params = path, {"per_page": PER_PAGE}
        for _ in range(max_pages):
            response = self._request("GET", url, params=params)
            yield response.json()
            url = response.links.get("next", {}).get("url")
            if not url:
                return
            params = None  # the next link carries the query (page or cursor)

    def _paginate(self, path: str) -> list:
        return [item for page in self._pages(path) for item in page]

    def get_pull(self, repository: str, number: int) -> dict:
        owner, name = _split(repository)
        return self._request("GET", f"/repos/{owner}/{name}/pulls/{number}").json()

    def list_pull_files(self, repository: str, number: int) -> list[dict]:
        owner, name = _split(repository)
        return self._paginate(f"/repos/{owner}/{name}/pulls/{number}/files")

    def list_reviews(self, repository: str, number: int) -> list[dict]:
        owner, name = _split(repository)
        return self._paginate(f"/repos/{owner}/{name}/pulls/{number}/reviews")

    def create_review(self, repository: str, number: int, *, commit_id: str, body: str, comments: list[dict]) -> dict:
        owner, name = _split(repository)
        acquire_write_slot()
        payload = {"commit_id": commit_id, "body": body, "event": "COMMENT", "comments": comments}
        return self._request("POST", f"/repos/{owner}/{name}/pulls/{number}/reviews", json=payload).json()

    def update_review(self, repository: str, number: int, review_id: int, *, body: str) -> dict:
        """Replace the body of a posted review (its inline comments are untouched)."""
        owner, name = _split(repository)
        acquire_write_slot()
        return self._request(
            "PUT", f"/repos/{owner}/{name}/pulls/{number}/reviews/{review_id}", json={"body": body}
        ).json()

    def compare(self, repository: str, base: str, head: str) -> dict | None:
        """GitHub's comparison of two commits (`status`: ahead, behind, diverged, identical, and
        the changed `files` from their merge base to `head`, with patches); None when either
        commit is unknown to the repository (404), as after a force-push dropped `base`."""
        owner, name = _split(repository)
        try:
            return self._request("GET", f"/repos/{owner}/{name}/compare/{base}...{head}").json()
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    def get_file(self, repository: str, path: str, *, ref: str | None = None) -> dict | None:
        """The contents API's answer for one path (for a file: `type`, `encoding`, `content`);
        None when the path does not exist at `ref` (404). No `ref`: the default branch."""
        owner, name = _split(repository)
        try:
            return self._request(
                "GET", f"/repos/{owner}/{name}/contents/{path}", params={"ref": ref} if ref else None
            ).json()
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    # --- GitHub App (the JWT client of reviews.github.app.app_client) ---------------------------

    def create_installation_token(self, installation_id: int) -> dict:
        """201 {token, expires_at, ...}: an access token of the installation, valid an hour."""
        return self._request("POST", f"/app/installations/{installation_id}/access_tokens").json()

    def get_repository_installation(self, repository: str) -> dict | None:
        """The App's installation on the repository; None when the App is not installed there (404)."""
        owner, name = _split(repository)
        try:
            return self._request("GET", f"/repos/{owner}/{name}/installation").json()
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    def hook_delivery_pages(self, *, max_pages: int):
        """The App's webhook delivery attempts, newest first, one page (up to 100) at a time."""
        return self._pages("/app/hook/deliveries", max_pages=max_pages)

    def redeliver(self, delivery_id: int) -> None:
        """Ask GitHub to send a delivery attempt again (202)."""
        self._request("POST", f"/app/hook/deliveries/{delivery_id}/attempts")

    # --- issues: labels and comments (the write-back of triage, issues/github_sync.py) ---------

    def list_labels(self, repository: str) -> list[dict]:
        owner, name = _split(repository)
        return self._paginate(f"/repos/{owner}/{name}/labels")

    def create_label(self, repository: str, *, name: str, color: str, description: str = "") -> dict:
        owner, repo = _split(repository)
        acquire_write_slot()
        payload = {"name": name, "color": color, "description": description}
        return self._request("POST", f"/repos/{owner}/{repo}/labels", json=payload).json()

    def add_issue_labels(self, repository: str, number: int, labels: list[str]) -> list[dict]:
        """Adds labels (GitHub keeps the ones the issue has); never removes one."""
        owner, name = _split(repository)
        acquire_write_slot()
        return self._request("POST", f"/repos/{owner}/{name}/issues/{number}/labels", json={"labels": labels}).json()

    def list_issue_comments(self, repository: str, number: int) -> list[dict]:
        owner, name = _split(repository)
        return self._paginate(f"/repos/{owner}/{name}/issues/{number}/comments")

    def create_issue_comment(self, repository: str, number: int, *, body: str) -> dict:
        owner, name = _split(repository)
        acquire_write_slot()
        return self._request("POST", f"/repos/{owner}/{name}/issues/{number}/comments", json={"body": body}).json()

    def update_issue_comment(self, repository: str, comment_id: int, *, body: str) -> dict:
        owner, name = _split(repository)
        acquire_write_slot()
        return self._request("PATCH", f"/repos/{owner}/{name}/issues/comments/{comment_id}", json={"body": body}).json()


def _json_or_empty(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
