"""A small fake of the GitHub REST API for benchmarks: real HTTP on a local port.

Serves the changed files of any pull request (unique content per pull request, so the LLM
cache never answers across pull requests), lists and stores reviews, and records when each
review was posted.
"""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_ROUTE = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/(files|reviews)$")


def bench_files(number: int, count: int) -> list[dict]:
    files = []
    for index in range(count):
        name = f"src/pkg_{index}/module_{index}.py"
        lines = "\n".join(f"+value_{number}_{index}_{line} = compute({line})" for line in range(12))
        patch = f"@@ -1,2 +1,14 @@\n import os\n{lines}\n def main():"
        files.append(
            {
                "sha": f"{number:020d}{index:020d}",
                "filename": name,
                "status": "modified",
                "additions": 12,
                "deletions": 0,
                "changes": 12,
                "blob_url": f"https://github.com/bench/repo/blob/x/{name}",
                "raw_url": f"https://github.com/bench/repo/raw/x/{name}",
                "contents_url": f"https://api.github.com/repos/bench/repo/contents/{name}",
                "patch": patch,
            }
        )
    return files


class FakeGitHubServer:
    def __init__(self, *, files_per_pull: int, port: int = 0):
        self.files_per_pull = files_per_pull
        self.reviews: dict[int, list[dict]] = {}
        self.posted_at: dict[int, float] = {}
        self.requests = 0
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

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle's algorithm on, the body would
            # wait for the client's delayed ACK of the headers (up to 40 ms on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format, *args):
                pass

            def _send(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-ratelimit-remaining", "4999")
                self.end_headers()
                self.wfile.write(body)

            def _route(self):
                parts = urlsplit(self.path)
                match = _ROUTE.match(parts.path)
                with fake._lock:
                    fake.requests += 1
                return match, parse_qs(parts.query)

            def do_GET(self):
                match, query = self._route()
                if not match:
                    self._send(404, {"message": "Not Found"})
                    return
                number, kind = int(match.group(3)), match.group(4)
                page = int(query.get("page", ["1"])[0])
                if kind == "files":
                    items = bench_files(number, fake.files_per_pull) if page == 1 else []
                else:
                    with fake._lock:
                        items = list(fake.reviews.get(number, [])) if page == 1 else []
                self._send(200, items)

            def do_POST(self):
                match, _query = self._route()
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if not match or match.group(4) != "reviews":
                    self._send(404, {"message": "Not Found"})
                    return
                number = int(match.group(3))
                with fake._lock:
                    review = {"id": len(fake.posted_at) + 1, "body": data.get("body", ""), "state": "COMMENTED"}
                    review["commit_id"] = data.get("commit_id")
                    fake.reviews.setdefault(number, []).append(review)
                    fake.posted_at.setdefault(number, time.monotonic())
                self._send(200, review)

        return Handler
