"""Snippet reviews end to end: API, a real worker and the fake OpenAI server."""

from config.jobs.state import JobState
from reviews.models import SnippetReview
from tests.worker import wait_for

CODE = "def div(a, b):\n    return a / b\n"


def submit(user_client) -> int:
    response = user_client.post("/api/reviews/snippets/", {"code": CODE, "filename": "calc.py", "language": "python"})
    assert response.status_code == 202
    return response.json()["id"]


def test_snippet_review_ends_with_summary_and_findings(user_client, fake_openai, celery_worker):
    fake_openai.add_reply(
        {
            "summary": "Divides without checking b.",
            "findings": [
                {"line": 2, "severity": "major", "message": "b may be 0."},
                {"line": 99, "severity": "minor", "message": "A line that is not there."},
            ],
        }
    )

    snippet_id = submit(user_client)

    wait_for(lambda: SnippetReview.objects.filter(pk=snippet_id, state=JobState.DONE).exists())
    body = user_client.get(f"/api/reviews/snippets/{snippet_id}/").json()
    assert body["summary"] == "Divides without checking b."
    assert body["findings"] == [
        {"line": 2, "severity": "major", "message": "b may be 0."},
        {"line": None, "severity": "minor", "message": "A line that is not there."},
    ]
    assert "   2     return a / b" in fake_openai.requests[0]["messages"][-1]["content"]


def test_snippet_review_fails_visibly_on_a_permanent_llm_error(user_client, fake_openai, celery_worker):
    fake_openai.add_error(400, body={"error": {"message": "bad request", "type": "invalid_request_error"}})

    snippet_id = submit(user_client)

    snippet = wait_for(lambda: SnippetReview.objects.filter(pk=snippet_id, state=JobState.FAILED).first())
    assert snippet.error
    assert user_client.get(f"/api/reviews/snippets/{snippet_id}/").json()["state"] == "failed"
