import json

import requests

from tests.fakes.openai_server import RESPONSE_VALIDATOR, FakeOpenAI

REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
HEADERS = {"Authorization": "Bearer sk-test"}


def post(server: FakeOpenAI, body: dict) -> requests.Response:
    return requests.post(f"{server.url}/chat/completions", json=body, headers=HEADERS, timeout=5)


def test_replies_follow_the_chat_completion_schema():
    with FakeOpenAI() as server:
        server.add_reply({"answer": "hi"})
        reply = post(server, REQUEST)

    assert reply.status_code == 200
    assert list(RESPONSE_VALIDATOR.iter_errors(reply.json())) == []
    assert json.loads(reply.json()["choices"][0]["message"]["content"]) == {"answer": "hi"}


def test_requests_outside_the_schema_are_refused_and_kept():
    with FakeOpenAI() as server:
        reply = post(server, {"model": "gpt-4o-mini", "messages": [{"role": "wizard", "content": "x"}]})

    assert reply.status_code == 400
    assert len(server.invalid_requests) == 1


def test_without_a_script_the_reply_satisfies_the_requested_schema():
    schema = {
        "type": "object",
        "properties": {"label": {"type": "string", "enum": ["bug", "docs"]}, "tags": {"type": "array"}},
        "required": ["label", "tags"],
        "additionalProperties": False,
    }
    body = {**REQUEST, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}}
    with FakeOpenAI() as server:
        reply = post(server, body)

    assert json.loads(reply.json()["choices"][0]["message"]["content"]) == {"label": "bug", "tags": []}


def test_injected_errors_come_with_their_headers():
    with FakeOpenAI() as server:
        server.add_error(429, headers={"retry-after": "2"})
        reply = post(server, REQUEST)

    assert reply.status_code == 429
    assert reply.headers["retry-after"] == "2"
    assert reply.json()["error"]["type"] == "rate_limit_exceeded"


def test_rpm_limit_answers_429_past_the_limit_and_counts_them():
    with FakeOpenAI(rpm=2) as server:
        statuses = [post(server, REQUEST).status_code for _ in range(3)]
        stats = requests.get(f"http://127.0.0.1:{server.port}/stats", timeout=5).json()

    assert statuses == [200, 200, 429]
    assert (stats["rate_limited"], stats["accepted"], stats["max_in_60s"]) == (1, 2, 3)


def test_max_in_window_counts_the_busiest_span():
    server = FakeOpenAI()
    server.request_times = [0.0, 10.0, 59.9, 60.0, 61.0, 130.0]
    server.stop()

    assert server.max_in_window(60) == 4
