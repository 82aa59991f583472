"""A small fake of the GitHub REST API for benchmarks: real HTTP on a local port.

By default it serves generated changed files for any pull request (unique content per pull
request, so the LLM cache never answers across pull requests), lists and stores reviews, and
records when each review was posted.

A *scripted* pull request (`add_pull`, then `push` for each new head) keeps the text of every
file at every commit, so the files of the pull request and the comparison of any two of its
heads are real unified diffs; reviews can be updated, check runs and issue comments are kept,
reactions are empty lists and `.triage-desk.yml` does not exist (404). Every request is counted
by route (`calls`); one no route matches is answered 404 and kept in `unserved`.
"""

import difflib
import hashlib
import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

BOT = {"login": "triage-desk[bot]", "id": 9000001, "type": "Bot"}


def bench_files(number: int, count: int) -> list[dict]:
    files = []
    for index in range(count):
        name = f"src/pkg_{index}/module_{index}.py"
        lines = "\n".join(f"+value_{number}_{index}_{line} = compute({line})" for line in range(12))
        patch = f"@@ -1,2 +1,14 @@\n import os\n{lines}\n def main():"
        files.append(_entry(name, patch, status="modified", sha=f"{number:020d}{index:020d}", additions=12))
    return files


def _entry(name: str, patch: str, *, status: str, sha: str, additions: int, deletions: int = 0) -> dict:
    return {
        "sha": sha,
        "filename": name,
        "status": status,
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": f"https://github.com/bench/repo/blob/x/{name}",
        "raw_url": f"https://github.com/bench/repo/raw/x/{name}",
        "contents_url": f"https://api.github.com/repos/bench/repo/contents/{name}",
        "patch": patch,
    }


def diff_entries(old: dict[str, str], new: dict[str, str]) -> list[dict]:
    """GitHub's changed-file entries from one tree ({path: text}) to another, in path order."""
    entries = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        lines = list(difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(), lineterm="", n=3))
        hunks = lines[2:]  # GitHub's `patch` starts at the first hunk header, without ---/+++
        status = "added" if before is None else "removed" if after is None else "modified"
        entries.append(
            _entry(
                path,
                "\n".join(hunks),
                status=status,
                sha=hashlib.sha1((after or "").encode()).hexdigest(),
                additions=sum(1 for line in hunks if line.startswith("+")),
                deletions=sum(1 for line in hunks if line.startswith("-")),
            )
        )
    return entries


@dataclass
class ScriptedPull:
    number: int
    title: str
    body: str
    base_sha: str
    head_sha: str
    trees: dict[str, dict[str, str]] = field(default_factory=dict)  # commit SHA -> {path: text}


def _commit_sha(salt: str, number: int, tree: dict[str, str], parent: str) -> str:
    return hashlib.sha1(json.dumps([salt, number, parent, tree], sort_keys=True).encode()).hexdigest()


_REPO = r"^/repos/[^/]+/[^/]+"
# (method, path pattern, handler name): the operations the review engine calls.
ROUTES = [
    (method, re.compile(_REPO + pattern + "$"), name)
    for method, pattern, name in [
        ("GET", r"/pulls/(?P<number>\d+)", "get_pull"),
        ("GET", r"/pulls/(?P<number>\d+)/files", "list_files"),
        ("GET", r"/pulls/(?P<number>\d+)/reviews", "list_reviews"),
        ("POST", r"/pulls/(?P<number>\d+)/reviews", "create_review"),
        ("PUT", r"/pulls/(?P<number>\d+)/reviews/(?P<review_id>\d+)", "update_review"),
        ("GET", r"/pulls/(?P<number>\d+)/comments", "list_review_comments"),
        ("GET", r"/compare/(?P<base>[0-9a-f]+)\.\.\.(?P<head>[0-9a-f]+)", "compare"),
        ("GET", r"/contents/(?P<path>.+)", "get_contents"),
        ("POST", r"/check-runs", "create_check_run"),
        ("PATCH", r"/check-runs/(?P<check_run_id>\d+)", "update_check_run"),
        ("GET", r"/issues/(?P<number>\d+)/comments", "list_issue_comments"),
        ("POST", r"/issues/(?P<number>\d+)/comments", "create_issue_comment"),
        ("PATCH", r"/issues/comments/(?P<comment_id>\d+)", "update_issue_comment"),
        ("GET", r"/(?:pulls|issues)/comments/(?P<comment_id>\d+)/reactions", "list_reactions"),
    ]
]


class FakeGitHubServer:
    def __init__(self, *, files_per_pull: int = 10, port: int = 0, forget_heads: bool = False):
        self.files_per_pull = files_per_pull
        # Compare answers 404, as after a force-push dropped the last reviewed head.
        self.forget_heads = forget_heads
        # Commit SHAs differ from run to run, so nothing cached per commit (the repository's
        # file in Redis) carries over from an earlier run.
        self.salt = uuid.uuid4().hex
        self.pulls: dict[int, ScriptedPull] = {}
        self.reviews: dict[int, list[dict]] = {}  # pull number -> reviews, as posted
        self.review_comments: dict[int, list[dict]] = {}  # pull number -> inline comments
        self.review_updates: list[dict] = []  # {"number", "review_id", "body"}
        self.issue_comments: dict[int, list[dict]] = {}
        self.issue_comment_edits: list[dict] = []  # {"comment_id", "body"}
        self.check_runs: dict[int, dict] = {}
        self.check_run_updates: list[dict] = []
        self.posted_at: dict[int, float] = {}  # pull number -> when its first review was posted
        self.requests = 0
        self.calls: Counter = Counter()  # handler name -> requests
        self.unserved: list[str] = []
        self.last_request_at = time.monotonic()
        self._ids = iter(range(1, 10**9))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeGitHubServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- scripting -------------------------------------------------------------------------

    def add_pull(self, number: int, *, title: str, body: str, base: dict[str, str], head: dict[str, str]) -> str:
        """A pull request from the tree `base` to the tree `head`; returns the head SHA."""
        base_sha = _commit_sha(self.salt, number, base, "")
        head_sha = _commit_sha(self.salt, number, head, base_sha)
        with self._lock:
            self.pulls[number] = ScriptedPull(
                number, title, body, base_sha, head_sha, trees={base_sha: dict(base), head_sha: dict(head)}
            )
        return head_sha

    def push(self, number: int, changes: dict[str, str]) -> tuple[str, str]:
        """A new head: the current tree with `changes` ({path: new text}); returns (before, after)."""
        with self._lock:
            pull = self.pulls[number]
            tree = {**pull.trees[pull.head_sha], **changes}
            before, pull.head_sha = pull.head_sha, _commit_sha(self.salt, number, tree, pull.head_sha)
            pull.trees[pull.head_sha] = tree
        return before, pull.head_sha

    def pull_files(self, number: int, head_sha: str | None = None) -> list[dict]:
        """The changed files of a scripted pull request at `head_sha` (default: its head)."""
        pull = self.pulls[number]
        return diff_entries(pull.trees[pull.base_sha], pull.trees[head_sha or pull.head_sha])

    def line_text(self, number: int, commit: str, path: str, line: int | None) -> str | None:
        """The text of a new-file line at a commit of a scripted pull request."""
        lines = self.pulls[number].trees.get(commit, {}).get(path, "").splitlines()
        return lines[line - 1] if line and 0 < line <= len(lines) else None

    # --- the operations --------------------------------------------------------------------

    def get_pull(self, number, **_):
        pull = self.pulls.get(int(number))
        head, base = (pull.head_sha, pull.base_sha) if pull else ("0" * 40, "1" * 40)
        return 200, {
            "id": 700000 + int(number),
            "number": int(number),
            "state": "open",
            "draft": False,
            "merged": False,
            "title": pull.title if pull else f"Bench pull request {number}",
            "body": pull.body if pull else "",
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "head": {"sha": head, "ref": f"feature-{number}"},
            "base": {"sha": base, "ref": "main"},
            "html_url": f"https://github.com/bench/repo/pull/{number}",
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    def list_files(self, number, **_):
        number = int(number)
        return 200, self.pull_files(number) if number in self.pulls else bench_files(number, self.files_per_pull)

    def list_reviews(self, number, **_):
        return 200, list(self.reviews.get(int(number), []))

    def create_review(self, number, *, data, **_):
        number, review_id = int(number), next(self._ids)
        review = {"id": review_id, "user": BOT, "body": data.get("body", ""), "state": "COMMENTED"}
        review.update(commit_id=data.get("commit_id"), submitted_at=time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        comments = [
            {**comment, "id": next(self._ids), "pull_request_review_id": review_id, "commit_id": data.get("commit_id")}
            for comment in data.get("comments") or []
        ]
        self.reviews.setdefault(number, []).append(review)
        self.review_comments.setdefault(number, []).extend(comments)
        self.posted_at.setdefault(number, time.monotonic())
        return 200, review

    def update_review(self, number, review_id, *, data, **_):
        review = next((item for item in self.reviews.get(int(number), []) if item["id"] == int(review_id)), None)
        if review is None:
            return 404, {"message": "Not Found"}
        review["body"] = data.get("body", "")
        self.review_updates.append({"number": int(number), "review_id": int(review_id), "body": review["body"]})
        return 200, review

    def list_review_comments(self, number, **_):
        return 200, list(self.review_comments.get(int(number), []))

    def compare(self, base, head, **_):
        pull = next((item for item in self.pulls.values() if base in item.trees and head in item.trees), None)
        if pull is None or self.forget_heads:
            return 404, {"message": "Not Found"}
        commit = {"sha": head, "commit": {"message": "bench"}}
        return 200, {
            "status": "ahead",
            "ahead_by": 1,
            "behind_by": 0,
            "total_commits": 1,
            "base_commit": {"sha": base},
            "merge_base_commit": {"sha": base},
            "commits": [commit],
            "files": diff_entries(pull.trees[base], pull.trees[head]),
        }

    def get_contents(self, path, **_):
        return 404, {"message": "Not Found"}

    def create_check_run(self, *, data, **_):
        run = {**data, "id": next(self._ids), "status": data.get("status", "queued")}
        self.check_runs[run["id"]] = run
        return 201, run

    def update_check_run(self, check_run_id, *, data, **_):
        run = self.check_runs.get(int(check_run_id))
        if run is None:
            return 404, {"message": "Not Found"}
        run.update(data)
        self.check_run_updates.append({"check_run_id": run["id"], **data})
        return 200, run

    def list_issue_comments(self, number, **_):
        return 200, list(self.issue_comments.get(int(number), []))

    def create_issue_comment(self, number, *, data, **_):
        comment = {"id": next(self._ids), "user": BOT, "body": data.get("body", ""), "issue_number": int(number)}
        self.issue_comments.setdefault(int(number), []).append(comment)
        return 201, comment

    def update_issue_comment(self, comment_id, *, data, **_):
        for comments in self.issue_comments.values():
            for comment in comments:
                if comment["id"] == int(comment_id):
                    comment["body"] = data.get("body", "")
                    self.issue_comment_edits.append({"comment_id": comment["id"], "body": comment["body"]})
                    return 200, comment
        return 404, {"message": "Not Found"}

    def list_reactions(self, comment_id, **_):
        return 200, []

    # --- HTTP --------------------------------------------------------------------------------

    def _dispatch(self, method: str, raw_path: str, body: bytes) -> tuple[int, object]:
        path = unquote(urlsplit(raw_path).path)
        data = json.loads(body or b"{}")
        with self._lock:
            self.requests += 1
            self.last_request_at = time.monotonic()
            for route_method, pattern, name in ROUTES:
                match = pattern.match(path)
                if route_method == method and match:
                    self.calls[name] += 1
                    return getattr(self, name)(**match.groupdict(), data=data)
            self.unserved.append(f"{method} {path}")
        return 404, {"message": "Not Found"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle's algorithm on, the body would
            # wait for the client's delayed ACK of the headers (up to 40 ms on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format, *args):
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, data = fake._dispatch(self.command, self.path, body)
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.send_header("x-ratelimit-remaining", "4999")
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_PATCH = _serve

        return Handler
