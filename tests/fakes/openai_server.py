"""A fake OpenAI-compatible server: real HTTP on a local port, Chat Completions wire format.

Every request body is validated against the reference schema (tests/data/openai/, from
openai/openai-openapi); an invalid one is answered 400 and kept in `invalid_requests`.
Replies are scripted per test (FIFO of replies and errors, then a responder function, then a
reply generated from the request's JSON schema), and the server can enforce an RPM limit the
way OpenAI does: a 429 with `retry-after` and `x-ratelimit-*` headers.

In tests use the `fake_openai` fixture (tests/conftest.py). Standalone, for benchmarks:
    python -m tests.fakes.openai_server --port 8765 --delay 0.2 --rpm 120
(GET /stats answers the counts: requests, accepted, rate_limited, max_in_60s.)
"""

import argparse
import itertools
import json
import math
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "openai" / "chat-completions-subset.json"
WINDOW_S = 60.0
MALFORMED_CONTENT = '{"answer": "this reply stops in the mid'


def _load_validators() -> tuple[Draft202012Validator, Draft202012Validator, Draft202012Validator]:
    schemas = json.loads(SCHEMA_FILE.read_text())["schemas"]
    return (
        Draft202012Validator(schemas["CreateChatCompletionRequest"]),
        Draft202012Validator(schemas["CreateChatCompletionResponse"]),
        Draft202012Validator(schemas["ErrorResponse"]),
    )


REQUEST_VALIDATOR, RESPONSE_VALIDATOR, ERROR_VALIDATOR = _load_validators()


def sample_for_schema(schema: dict, root: dict | None = None) -> object:
    """A value that satisfies a (strict) JSON schema: what an obliging model would answer."""
    root = root if root is not None else schema
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return sample_for_schema(target, root)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [option for option in schema[key] if option.get("type") != "null"] or schema[key]
            return sample_for_schema(options[0], root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((option for option in kind if option != "null"), "null")
    if kind == "object":
        return {name: sample_for_schema(sub, root) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [sample_for_schema(schema.get("items", {}), root) for _ in range(count)]
    return {
        "string": "fake",
        "integer": schema.get("minimum", 0),
        "number": schema.get("minimum", 0),
        "boolean": False,
    }.get(kind)


def error_body(status: int, message: str | None = None) -> dict:
    kinds = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_exceeded",
    }
    return {
        "error": {
            "message": message or f"fake server error {status}",
            "type": kinds.get(status, "server_error"),
            "param": None,
            "code": "rate_limit_exceeded" if status == 429 else None,
        }
    }


class FakeOpenAI:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, delay_s: float = 0.0, rpm: int | None = None):
        self.delay_s = delay_s
        self.rpm = rpm
        self.requests: list[dict] = []
        self.request_times: list[float] = []
        self.accepted_times: list[float] = []
        self.invalid_requests: list[tuple[dict, str]] = []
        self.rate_limited = 0
        self._script: deque = deque()
        self._responder = None
        self._accepted: deque[float] = deque()
        self._accepted_count = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- scripting -----------------------------------------------------------------------
    def add_reply(self, content: dict | str) -> None:
        """The next reply's message content: a dict is sent as JSON, a string as it is."""
        self._script.append(("reply", content))

    def add_malformed(self) -> None:
        """The next reply's content is not valid JSON."""
        self._script.append(("reply", MALFORMED_CONTENT))

    def add_refusal(self, text: str = "I can't help with that.") -> None:
        self._script.append(("refusal", text))

    def add_error(self, status: int, headers: dict | None = None, body: dict | str | None = None) -> None:
        self._script.append(("error", status, headers or {}, body))

    def set_responder(self, fn) -> None:
        """fn(request_body: dict) -> dict | str, used when nothing is scripted."""
        self._responder = fn

    # --- figures ---------------------------------------------------------------------------
    @property
    def accepted(self) -> int:
        return self._accepted_count

    def max_in_window(self, window_s: float = WINDOW_S) -> int:
        """The most requests received in any `window_s`-second span."""
        times = sorted(self.request_times)
        best, start = 0, 0
        for end, stamp in enumerate(times):
            while stamp - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    def stats(self) -> dict:
        return {
            "requests": len(self.requests),
            "accepted": self.accepted,
            "rate_limited": self.rate_limited,
            "invalid_requests": len(self.invalid_requests),
            "max_in_60s": self.max_in_window(),
        }

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- serving ---------------------------------------------------------------------------
    def _rate_limit_headers(self, now: float) -> dict:
        if not self.rpm:
            return {}
        remaining = max(self.rpm - len(self._accepted), 0)
        reset = (self._accepted[0] + WINDOW_S - now) if self._accepted else 0.0
        return {
            "x-ratelimit-limit-requests": str(self.rpm),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": f"{max(reset, 0):.3f}s",
        }

    def _admit(self, body: dict):
        """Record the request; returns (step, headers) where step is what to answer."""
        now = time.time()
        with self._lock:
            self.requests.append(body)
            self.request_times.append(now)
            if self.rpm:
                while self._accepted and self._accepted[0] <= now - WINDOW_S:
                    self._accepted.popleft()
                if len(self._accepted) >= self.rpm:
                    self.rate_limited += 1
                    wait = self._accepted[0] + WINDOW_S - now
                    headers = {**self._rate_limit_headers(now), "retry-after": str(max(1, math.ceil(wait)))}
                    return ("throttled", 429, headers, None), {}
                self._accepted.append(now)
            self._accepted_count += 1
            self.accepted_times.append(now)
            step = self._script.popleft() if self._script else None
            return step, self._rate_limit_headers(now)

    def _completion(self, body: dict, content: str | None, refusal: str | None = None) -> dict:
        prompt_chars = sum(len(str(message.get("content") or "")) for message in body.get("messages", []))
        completion_tokens = max(1, len(content or refusal or "") // 4)
        prompt_tokens = max(1, prompt_chars // 4)
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    def _default_content(self, body: dict) -> dict | str:
        if self._responder is not None:
            return self._responder(body)
        response_format = body.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema")
        return sample_for_schema(schema) if schema else "fake reply"

    def answer(self, body: dict) -> tuple[int, dict, bytes]:
        """(status, headers, body bytes) for one request body, `delay_s` after it arrived (the
        time spent checking the request is part of the delay, as at a real provider)."""
        arrived = time.monotonic()
        errors = sorted(REQUEST_VALIDATOR.iter_errors(body), key=lambda error: list(error.path))
        if errors:
            message = "; ".join(
                f"{'/'.join(map(str, error.path)) or '<body>'}: {error.message}" for error in errors[:5]
            )
            with self._lock:
                self.invalid_requests.append((body, message))
            return 400, {}, json.dumps(error_body(400, message)).encode()
        step, headers = self._admit(body)
        if self.delay_s and (step is None or step[0] != "throttled"):
            time.sleep(max(0.0, self.delay_s - (time.monotonic() - arrived)))
        if step is not None and step[0] in ("error", "throttled"):
            _, status, extra_headers, payload = step
            payload = error_body(status) if payload is None else payload
            raw = payload if isinstance(payload, str) else json.dumps(payload)
            return status, {**headers, **extra_headers}, raw.encode()
        if step is not None and step[0] == "refusal":
            return 200, headers, json.dumps(self._completion(body, None, refusal=step[1])).encode()
        content = step[1] if step is not None else self._default_content(body)
        text = content if isinstance(content, str) else json.dumps(content)
        return 200, headers, json.dumps(self._completion(body, text)).encode()

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle's algorithm on, the body would
            # wait for the client's delayed ACK of the headers (up to 40 ms on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format, *args):
                pass

            def _send(self, status: int, headers: dict, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                if self.path.rstrip("/") == "/stats":
                    self._send(200, {}, json.dumps(fake.stats()).encode())
                else:
                    self._send(404, {}, json.dumps(error_body(404, "unknown path")).encode())

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {}, json.dumps(error_body(404, f"unknown path {self.path}")).encode())
                    return
                if not (self.headers.get("authorization") or "").startswith("Bearer "):
                    self._send(401, {}, json.dumps(error_body(401, "missing API key")).encode())
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(400, {}, json.dumps(error_body(400, "body is not JSON")).encode())
                    return
                self._send(*fake.answer(body))

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI Chat Completions server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--rpm", type=int, default=None, help="answer 429 past this many requests per minute")
    args = parser.parse_args(argv)
    server = FakeOpenAI(host=args.host, port=args.port, delay_s=args.delay, rpm=args.rpm)
    print(f"fake OpenAI on http://{args.host}:{server.port}/v1 (GET /stats for counts)", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps(server.stats()), flush=True)


if __name__ == "__main__":
    main()
