"""GitHub as the tests see it: signed deliveries of the real payloads in tests/data/github, and a
fake REST API on `responses` that checks every request against GitHub's own API description."""

import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import responses
from openapi_schema_validator import OAS30Validator

DATA = Path(__file__).resolve().parent.parent / "data" / "github"
SECRET = "It's a Secret to Everybody"
API_URL = "https://api.github.test"
OPERATIONS = json.loads((DATA / "rest-api-operations.json").read_text())["operations"]


def payload_bytes(name: str) -> bytes:
    """The raw bytes of a stored delivery body, e.g. "pull_request/opened"."""
    return (DATA / "webhooks" / f"{name}.json").read_bytes()


def payload(name: str) -> dict:
    return json.loads(payload_bytes(name))


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, event: str, body: bytes | dict, *, delivery_id: str | None = None, signature: str | None = None):
    """POST a delivery to the webhook the way GitHub does; signs the body unless told otherwise."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    headers = {
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery_id or str(uuid.uuid4()),
        "HTTP_USER_AGENT": "GitHub-Hookshot/044aadd",
    }
    if signature != "":
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(body)
    return client.generic("POST", "/webhooks/github/", body, content_type="application/json", **headers)


def receive_and_process(client, event: str, body: bytes | dict):
    """Deliver, then run the delivery's job in this thread; the Delivery row afterwards."""
    from reviews.models import Delivery
    from reviews.tasks import process_delivery

    response = deliver(client, event, body)
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])
    process_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- the fake REST API ------------------------------------------------------------------------


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_ROUTES = [
    (key.split(" ", 1)[0], _template_regex(key.split(" ", 1)[1]), key, operation)
    for key, operation in OPERATIONS.items()
]


def _strict(schema: dict) -> dict:
    """GitHub's schemas allow unknown properties; the tests refuse them to catch typos."""
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    if schema.get("type") == "object" and "properties" in schema:
        schema["additionalProperties"] = False
        schema["properties"] = {name: _strict(sub) for name, sub in schema["properties"].items()}
    if "items" in schema:
        schema["items"] = _strict(schema["items"])
    return schema


def _coerce(value: str, schema: dict):
    return int(value) if schema.get("type") == "integer" else value


def validate_request(method: str, url: str, body: bytes | None) -> str:
    """Check a request against the API description; returns its operation key or raises."""
    path = urlsplit(url).path.removeprefix(urlsplit(API_URL).path)
    for route_method, regex, key, operation in _ROUTES:
        match = regex.match(path)
        if route_method != method or not match:
            continue
        params = {p["name"]: p for p in operation.get("parameters", [])}
        for name, value in match.groupdict().items():
            OAS30Validator(params[name]["schema"]).validate(_coerce(value, params[name]["schema"]))
        for name, values in parse_qs(urlsplit(url).query).items():
            assert name in params and params[name]["in"] == "query", f"{key}: unknown query parameter {name}"
            OAS30Validator(params[name]["schema"]).validate(_coerce(values[0], params[name]["schema"]))
            if name == "per_page":
                assert int(values[0]) <= 100
        if "requestBody" in operation and (body or operation["requestBody"].get("required")):
            schema = _strict(operation["requestBody"]["content"]["application/json"]["schema"])
            OAS30Validator(schema).validate(json.loads(body))
        else:
            assert not body, f"{key} takes no body"
        return key
    raise AssertionError(f"{method} {path} is not an operation of the GitHub API subset")


def validate_response(key: str, status: int, data) -> None:
    schema = OPERATIONS[key]["responses"][str(status)]["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate(data)


def diff_entry(filename: str, patch: str | None, *, status: str = "modified", sha: str | None = None) -> dict:
    additions = sum(1 for line in (patch or "").splitlines() if line.startswith("+"))
    deletions = sum(1 for line in (patch or "").splitlines() if line.startswith("-"))
    entry = {
        "sha": sha or hashlib.sha1(f"{filename}{patch}".encode()).hexdigest(),
        "filename": filename,
        "status": status,
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": f"https://github.com/o/r/blob/x/{filename}",
        "raw_url": f"https://github.com/o/r/raw/x/{filename}",
        "contents_url": f"{API_URL}/repos/o/r/contents/{filename}?ref=x",
    }
    if patch is not None:
        entry["patch"] = patch
    return entry


def _user(login: str = "triage-desk[bot]") -> dict:
    return {
        "login": login,
        "id": 1,
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": "https://avatars.githubusercontent.com/u/1",
        "gravatar_id": "",
        "url": f"{API_URL}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "followers_url": "",
        "following_url": "",
        "gists_url": "",
        "starred_url": "",
        "subscriptions_url": "",
        "organizations_url": "",
        "repos_url": "",
        "events_url": "",
        "received_events_url": "",
        "type": "Bot",
        "site_admin": False,
    }


def _commit(sha: str) -> dict:
    """A commit object as the compare API shows one."""
    url = f"{API_URL}/repos/o/r/commits/{sha}"
    person = {"name": "Octo Cat", "email": "octocat@example.com", "date": "2026-11-21T20:00:00Z"}
    return {
        "url": url,
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "html_url": f"https://github.com/o/r/commit/{sha}",
        "comments_url": f"{url}/comments",
        "commit": {
            "url": f"{API_URL}/repos/o/r/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": "A commit",
            "comment_count": 0,
            "tree": {"sha": "1" * 40, "url": f"{API_URL}/repos/o/r/git/trees/{'1' * 40}"},
        },
        "author": _user("octocat"),
        "committer": _user("octocat"),
        "parents": [{"sha": "2" * 40, "url": f"{API_URL}/repos/o/r/commits/{'2' * 40}"}],
    }


@dataclass
class FakeGitHub:
    """The GitHub REST API of one repository on `responses`: files, reviews, posting and
    updating reviews (`posted`, `review_edits`); comparisons of two commits (`add_comparison`);
    repository labels, issue labels and issue comments; file contents (`add_file`).

    `queue_error(operation, status, headers, body)` makes the next call of that operation fail;
    `create_then_fail` stores the next review but answers 502, like a response lost on the way.
    """

    mock: responses.RequestsMock
    files: dict[int, list[dict]] = field(default_factory=dict)
    pulls: dict[int, dict] = field(default_factory=dict)
    reviews: dict[int, list[dict]] = field(default_factory=dict)
    calls: list[tuple[str, dict | None]] = field(default_factory=list)
    errors: dict[str, list[tuple[int, dict, dict]]] = field(default_factory=dict)
    reject_inline_comments: bool = False
    create_then_fail: bool = False
    # A FakeGitHubApp (tests/reviews/github_app.py): App endpoints and installation tokens.
    app: object = None
    # Issues (the write-back of triage): the repository's labels, each issue's labels and comments.
    repo_labels: list[dict] = field(default_factory=list)
    issue_labels: dict[int, list[str]] = field(default_factory=dict)
    issue_comments: dict[int, list[dict]] = field(default_factory=dict)
    # Repository files by (ref, path), for the contents API; ref None: the default branch.
    contents: dict[tuple[str | None, str], str] = field(default_factory=dict)
    # Comparisons of two commits by (base, head), for the compare API; absent: 404.
    comparisons: dict[tuple[str, str], dict] = field(default_factory=dict)

    def install(self) -> None:
        for method, regex, key, _operation in _ROUTES:
            pattern = re.compile(re.escape(API_URL) + regex.pattern[1:-1] + r"(\?.*)?$")
            self.mock.add_callback(method, pattern, callback=self._callback(key))

    def queue_error(self, key: str, status: int, headers: dict | None = None, body: dict | None = None) -> None:
        self.errors.setdefault(key, []).append((status, headers or {}, body or {"message": "error"}))

    def add_review(self, number: int, *, body: str, commit_id: str = "0" * 40) -> dict:
        """A review already on the pull request (posted by someone, or by an earlier run)."""
        review = self._review(number, {"body": body, "commit_id": commit_id})
        self.reviews.setdefault(number, []).append(review)
        return review

    def posted(self) -> list[dict]:
        return [body for key, body in self.calls if key.startswith("POST") and key.endswith("/reviews")]

    def review_edits(self) -> list[dict]:
        """The bodies of every review update (PUT .../reviews/{id}), in order."""
        return [body for key, body in self.calls if key.startswith("PUT") and "/reviews/" in key]

    def add_comparison(self, base: str, head: str, *, status: str = "ahead", files: list[dict] = ()) -> None:
        """What GET /compare/{base}...{head} answers: `status` and the changed files (diff_entry)."""
        self.comparisons[(base, head)] = {"status": status, "files": list(files)}

    def _callback(self, key):
        def callback(request):
            body = request.body.encode() if isinstance(request.body, str) else request.body
            validate_request(request.method, request.url, body)
            data = json.loads(body) if body else None
            self.calls.append((key, data))
            if self.errors.get(key):
                status, headers, error = self.errors[key].pop(0)
                return status, headers, json.dumps(error)
            answer = self.app.answer(key, request) if self.app is not None else None
            if answer is not None:
                return answer
            if "/contents/" in key:
                return self._answer_contents(key, request.url)
            if "/compare/" in key:
                return self._answer_compare(key, request.url)
            if "/issues/" in key or key.endswith("/labels"):
                return self._answer_issues(key, request.url, data)
            number = int(re.search(r"/pulls/(\d+)", request.url).group(1))
            return self._answer(key, number, request.url, data)

        return callback

    def writes(self) -> list[tuple[str, dict | None]]:
        """Every write to a repository (POST, PATCH, PUT, DELETE; not the App's token requests),
        in order: (operation, body)."""
        return [(key, body) for key, body in self.calls if key.split(" ", 1)[0] != "GET" and " /app/" not in key]

    def add_repo_label(self, name: str, color: str = "ededed", description: str | None = None) -> dict:
        label = {
            "id": 1000 + len(self.repo_labels),
            "node_id": f"LA_{len(self.repo_labels)}",
            "url": f"{API_URL}/repos/o/r/labels/{name}",
            "name": name,
            "description": description,
            "color": color,
            "default": False,
        }
        self.repo_labels.append(label)
        return label

    def add_issue_comment(self, number: int, body: str, *, login: str = "octocat") -> dict:
        """A comment already on the issue (a person's, or ours from an earlier run)."""
        comment_id = 5000 + sum(len(items) for items in self.issue_comments.values())
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": f"{API_URL}/repos/o/r/issues/comments/{comment_id}",
            "html_url": f"https://github.com/o/r/issues/{number}#issuecomment-{comment_id}",
            "issue_url": f"{API_URL}/repos/o/r/issues/{number}",
            "body": body,
            "user": _user(login),
            "created_at": "2026-11-21T20:00:00Z",
            "updated_at": "2026-11-21T20:00:00Z",
            "author_association": "NONE",
        }
        self.issue_comments.setdefault(number, []).append(comment)
        return comment

    def _answer_issues(self, key: str, url: str, data):
        json_headers = {"Content-Type": "application/json"}
        path = urlsplit(url).path
        if key == "GET /repos/{owner}/{repo}/labels":
            return self._page(self.repo_labels, url, key)
        if key == "POST /repos/{owner}/{repo}/labels":
            if any(label["name"].lower() == data["name"].lower() for label in self.repo_labels):
                error = {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}],
                    "documentation_url": "https://docs.github.com/rest/issues/labels#create-a-label",
                }
                validate_response(key, 422, error)
                return 422, json_headers, json.dumps(error)
            label = self.add_repo_label(data["name"], data.get("color") or "ededed", data.get("description"))
            validate_response(key, 201, label)
            return 201, json_headers, json.dumps(label)
        if key == "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}":
            comment_id = int(path.rsplit("/", 1)[1])
            comment = next((c for items in self.issue_comments.values() for c in items if c["id"] == comment_id), None)
            if comment is None:  # deleted on GitHub
                return 404, json_headers, json.dumps({"message": "Not Found"})
            comment.update(body=data["body"], updated_at="2026-11-22T20:00:00Z")
            validate_response(key, 200, comment)
            return 200, json_headers, json.dumps(comment)
        number = int(re.search(r"/issues/(\d+)/", path).group(1))
        if key == "POST /repos/{owner}/{repo}/issues/{issue_number}/labels":
            # Adds to the issue's labels; GitHub creates a label the repository lacks.
            names = self.issue_labels.setdefault(number, [])
            for name in data["labels"]:
                if not any(label["name"].lower() == name.lower() for label in self.repo_labels):
                    self.add_repo_label(name)
                if name.lower() not in {known.lower() for known in names}:
                    names.append(name)
            body = [label for label in self.repo_labels if label["name"].lower() in {n.lower() for n in names}]
            validate_response(key, 200, body)
            return 200, json_headers, json.dumps(body)
        if key == "GET /repos/{owner}/{repo}/issues/{issue_number}/comments":
            return self._page(self.issue_comments.get(number, []), url, key)
        if key == "POST /repos/{owner}/{repo}/issues/{issue_number}/comments":
            comment = self.add_issue_comment(number, data["body"], login="triage-desk[bot]")
            validate_response(key, 201, comment)
            return 201, json_headers, json.dumps(comment)
        raise AssertionError(f"the fake GitHub does not answer {key}")

    def add_file(self, path: str, text: str, *, ref: str | None = None) -> None:
        """A file of the repository at `ref` (a commit SHA), or on the default branch (None)."""
        self.contents[(ref, path)] = text

    def _answer_contents(self, key: str, url: str):
        parts = urlsplit(url)
        path = parts.path.split("/contents/", 1)[1]
        ref = parse_qs(parts.query).get("ref", [None])[0]
        text = self.contents.get((ref, path))
        if text is None:
            error = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/contents"}
            validate_response(key, 404, error)
            return 404, {"Content-Type": "application/json"}, json.dumps(error)
        raw = text.encode()
        encoded = base64.b64encode(raw).decode()
        blob = hashlib.sha1(raw).hexdigest()
        body = {
            "type": "file",
            "encoding": "base64",
            "size": len(raw),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            # GitHub breaks the base64 into lines of 60 characters.
            "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
            "sha": blob,
            "url": f"{API_URL}/repos/o/r/contents/{path}",
            "git_url": f"{API_URL}/repos/o/r/git/blobs/{blob}",
            "html_url": f"https://github.com/o/r/blob/main/{path}",
            "download_url": f"https://raw.githubusercontent.com/o/r/main/{path}",
            "_links": {
                "git": f"{API_URL}/repos/o/r/git/blobs/{blob}",
                "html": f"https://github.com/o/r/blob/main/{path}",
                "self": f"{API_URL}/repos/o/r/contents/{path}",
            },
        }
        validate_response(key, 200, body)
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _answer_compare(self, key: str, url: str):
        basehead = urlsplit(url).path.rsplit("/compare/", 1)[1]
        base, _, head = basehead.partition("...")
        found = self.comparisons.get((base, head))
        json_headers = {"Content-Type": "application/json"}
        if found is None:
            error = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/commits/commits"}
            validate_response(key, 404, error)
            return 404, json_headers, json.dumps(error)
        ahead = 0 if found["status"] in ("identical", "behind") else 1
        behind = 1 if found["status"] in ("diverged", "behind") else 0
        body = {
            "url": f"{API_URL}/repos/o/r/compare/{basehead}",
            "html_url": f"https://github.com/o/r/compare/{basehead}",
            "permalink_url": f"https://github.com/o/r/compare/o:{base}...o:{head}",
            "diff_url": f"https://github.com/o/r/compare/{basehead}.diff",
            "patch_url": f"https://github.com/o/r/compare/{basehead}.patch",
            "base_commit": _commit(base),
            "merge_base_commit": _commit(base if found["status"] == "ahead" else "0" * 40),
            "status": found["status"],
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": ahead,
            "commits": [_commit(head)] if ahead else [],
            "files": found["files"],
        }
        validate_response(key, 200, body)
        return 200, json_headers, json.dumps(body)

    def _page(self, items: list, url: str, key: str):
        query = parse_qs(urlsplit(url).query)
        per_page, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        validate_response(key, 200, chunk)
        headers = {"Content-Type": "application/json"}
        if page * per_page < len(items):
            base = url.split("?")[0]
            headers["Link"] = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, headers, json.dumps(chunk)

    def _answer(self, key: str, number: int, url: str, data):
        if key.endswith("/files"):
            return self._page(self.files.get(number, []), url, key)
        if key.startswith("GET") and key.endswith("/reviews"):
            return self._page(self.reviews.get(number, []), url, key)
        if key.startswith("PUT"):
            review_id = int(urlsplit(url).path.rsplit("/", 1)[1])
            review = next((item for item in self.reviews.get(number, []) if item["id"] == review_id), None)
            if review is None:
                return 404, {"Content-Type": "application/json"}, json.dumps({"message": "Not Found"})
            review["body"] = data["body"]
            validate_response(key, 200, review)
            return 200, {"Content-Type": "application/json"}, json.dumps(review)
        if key.startswith("POST"):
            if self.reject_inline_comments and data.get("comments"):
                error = {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}
                error["documentation_url"] = "https://docs.github.com/rest/pulls/reviews#create-a-review"
                validate_response(key, 422, error)
                return 422, {}, json.dumps(error)
            review = self._review(number, data)
            self.reviews.setdefault(number, []).append(review)
            if self.create_then_fail:
                self.create_then_fail = False
                return 502, {}, json.dumps({"message": "Server Error"})
            validate_response(key, 200, review)
            return 200, {"Content-Type": "application/json"}, json.dumps(review)
        return 200, {"Content-Type": "application/json"}, json.dumps(self.pulls[number])

    def _review(self, number: int, data: dict) -> dict:
        review_id = 80 + sum(len(items) for items in self.reviews.values())
        html = f"https://github.com/o/r/pull/{number}#pullrequestreview-{review_id}"
        return {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "user": _user(),
            "body": data.get("body", ""),
            "state": "COMMENTED",
            "html_url": html,
            "pull_request_url": f"{API_URL}/repos/o/r/pulls/{number}",
            "_links": {"html": {"href": html}, "pull_request": {"href": f"{API_URL}/repos/o/r/pulls/{number}"}},
            "submitted_at": "2026-11-21T20:00:00Z",
            "commit_id": data.get("commit_id"),
            "author_association": "NONE",
        }
