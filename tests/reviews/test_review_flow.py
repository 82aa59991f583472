"""Pull-request reviews end to end: a signed delivery, a real worker, GitHub on `responses`
(every request checked against GitHub's API description) and the fake OpenAI server."""

import re
import time

import pytest

from config.jobs.state import JobState
from reviews.models import Review, ReviewComment
from tests.reviews.github import deliver, diff_entry, payload, payload_bytes
from tests.worker import wait_for

HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
FILES = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
APP_PATCH = """@@ -1,3 +1,5 @@
 import json
-def load(path):
+def load(path):
+    data = json.load(open(path))
+    return data['key']"""


def patch_of(name: str, version: int = 1) -> str:
    return f"@@ -1,2 +1,3 @@\n first line\n+{name} = {version}\n second line"


def responder(findings_by_path: dict):
    """Answers each file review with the findings scripted for the path named in the prompt."""

    def answer(body: dict) -> dict:
        path = re.search(r"^Path: (.+)$", body["messages"][-1]["content"], re.MULTILINE).group(1)
        return {"summary": f"Changes {path}.", "findings": findings_by_path.get(path, [])}

    return answer


def finding(line: int, message: str, severity: str = "major", category: str = "bug") -> dict:
    return {"line": line, "severity": severity, "category": category, "message": message}


def wait_for_review(state: str = JobState.DONE, head: str = HEAD, timeout: float = 30) -> Review:
    return wait_for(lambda: Review.objects.filter(head_sha=head, state=state).first(), timeout=timeout)


@pytest.fixture
def opened(client, project, fake_github, fake_openai, celery_worker):
    """Deliver the real `pull_request.opened` payload once the fakes are scripted."""

    def send():
        response = deliver(client, "pull_request", payload_bytes("pull_request/opened"))
        assert response.status_code == 202

    return send


def test_opened_pull_request_gets_one_review_with_inline_and_summary_comments(opened, fake_github, fake_openai):
    fake_github.files[2] = [
        diff_entry("src/app.py", APP_PATCH),
        diff_entry("yarn.lock", patch_of("lock")),
        diff_entry("logo.png", None, status="added"),
    ]
    fake_openai.set_responder(
        responder({"src/app.py": [finding(4, "open() is never closed."), finding(40, "Not on the diff.", "minor")]})
    )

    opened()

    review = wait_for_review()
    [posted] = fake_github.posted()
    assert (posted["commit_id"], posted["event"]) == (HEAD, "COMMENT")
    assert f"<!-- triage-desk-review head={HEAD} -->" in posted["body"]
    assert posted["comments"] == [
        {"path": "src/app.py", "line": 4, "side": "RIGHT", "body": "**MAJOR**: open() is never closed."}
    ]
    assert "Not on the diff." in posted["body"]
    assert "`yarn.lock`: lock file" in posted["body"]
    assert "`logo.png`: binary" in posted["body"]
    assert (review.inline_comments, review.summary_comments, review.files_reviewed) == (1, 1, 1)
    assert review.github_review_id == fake_github.reviews[2][0]["id"]
    assert len(fake_openai.requests) == 1


def test_comment_deliveries_after_the_post_record_each_inline_comment_s_github_id(
    client, opened, fake_github, fake_openai
):
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_openai.set_responder(
        responder({"src/app.py": [finding(4, "open() is never closed."), finding(3, "May raise KeyError.", "minor")]})
    )
    opened()
    review = wait_for_review()
    [posted] = fake_github.posted()

    assert len(posted["comments"]) == 2
    for github_id, posted_comment in enumerate(posted["comments"], start=7001):
        data = payload("pull_request_review_comment/created")
        data["comment"].update(
            id=github_id, pull_request_review_id=review.github_review_id, commit_id=HEAD, **posted_comment
        )
        assert deliver(client, "pull_request_review_comment", data).status_code == 202

    wait_for(lambda: not ReviewComment.objects.filter(review=review, github_id=None).exists())
    expected = {comment["line"]: github_id for github_id, comment in enumerate(posted["comments"], start=7001)}
    assert dict(ReviewComment.objects.values_list("line", "github_id")) == expected


def test_retried_post_posts_the_review_once(opened, fake_github, fake_openai):
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_github.create_then_fail = True  # GitHub stores the review, but the answer is lost

    opened()

    review = wait_for_review()
    assert len(fake_github.posted()) == 1
    assert review.github_review_id == fake_github.reviews[2][0]["id"]
    assert review.attempts == 2


def test_refused_inline_comments_are_moved_to_the_summary(opened, fake_github, fake_openai):
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_github.reject_inline_comments = True
    fake_openai.set_responder(responder({"src/app.py": [finding(4, "open() is never closed.")]}))

    opened()

    review = wait_for_review()
    first, second = fake_github.posted()
    assert len(first["comments"]) == 1
    assert second["comments"] == []
    assert "open() is never closed." in second["body"]
    assert (review.inline_comments, review.summary_comments) == (0, 1)
    assert ReviewComment.objects.get().inline is False


def test_github_rate_limit_is_waited_out_by_a_task_retry(opened, fake_github, fake_openai):
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    reset = str(int(time.time()) + 1)
    fake_github.queue_error(FILES, 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})

    opened()

    review = wait_for_review()
    assert [key for key, _ in fake_github.calls].count(FILES) == 2
    assert len(fake_github.posted()) == 1
    assert review.attempts == 1  # the wait for the rate limit is not an attempt


def test_synchronize_changing_one_of_ten_files_makes_one_llm_call(client, opened, fake_github, fake_openai):
    names = [f"src/module_{n}.py" for n in range(10)]
    fake_github.files[2] = [diff_entry(name, patch_of(name.replace("/", "_").replace(".", "_"))) for name in names]
    fake_openai.set_responder(responder({name: [finding(2, f"Check {name}.")] for name in names}))
    opened()
    wait_for_review()
    assert len(fake_openai.requests) == 10

    fake_github.files[2][3] = diff_entry(names[3], patch_of("src_module_3_py", version=2))
    fake_github.add_comparison(HEAD, "f" * 40, files=[diff_entry(names[3], "@@ -2 +2 @@\n-x = 1\n+x = 2")])
    newer = payload("pull_request/synchronize")
    newer["pull_request"]["head"]["sha"] = "f" * 40
    newer["pull_request"]["updated_at"] = "2019-05-15T15:30:00Z"
    assert deliver(client, "pull_request", newer).status_code == 202

    wait_for_review(head="f" * 40)
    assert len(fake_openai.requests) == 11
    second = fake_github.posted()[-1]
    assert second["commit_id"] == "f" * 40
    # Findings already posted on the unchanged files are not posted again.
    assert [comment["path"] for comment in second["comments"]] == [names[3]]


def test_review_fails_visibly_when_the_llm_is_not_configured(opened, fake_github, settings):
    settings.OPENAI_API_KEY = ""
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]

    opened()

    review = wait_for_review(state=JobState.FAILED)
    assert "not configured" in review.error
    assert fake_github.posted() == []


def test_pushes_edit_the_one_summary_and_only_a_push_with_a_new_finding_posts_a_review(
    client, opened, fake_github, fake_openai
):
    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_openai.set_responder(responder({"src/app.py": [finding(4, "open() is never closed.")]}))
    opened()
    wait_for_review()

    def push(previous: str, head: str, updated_at: str, patch: str, pushed: str) -> None:
        fake_github.files[2] = [diff_entry("src/app.py", patch)]
        fake_github.add_comparison(previous, head, files=[diff_entry("src/app.py", pushed)])
        data = payload("pull_request/synchronize")
        data["pull_request"]["head"]["sha"] = head
        data["pull_request"]["updated_at"] = updated_at
        assert deliver(client, "pull_request", data).status_code == 202
        wait_for_review(head=head)

    # A reformat: the LLM finds the same problem again.
    reformat = "@@ -3,1 +3,1 @@\n-    data = json.load( open(path) )\n+    data = json.load(open(path))"
    push(HEAD, "f" * 40, "2019-05-15T15:30:00Z", APP_PATCH, reformat)
    fake_openai.set_responder(responder({"src/app.py": [finding(5, "Debug print left in.", "minor")]}))
    push(
        "f" * 40,
        "e" * 40,
        "2019-05-15T15:40:00Z",
        APP_PATCH + "\n+    print(data)",
        "@@ -4,0 +5,1 @@\n+    print(data)",
    )

    summary, findings = fake_github.posted()
    assert [comment["line"] for comment in summary["comments"]] == [4]
    assert findings["comments"] == [
        {"path": "src/app.py", "line": 5, "side": "RIGHT", "body": "**MINOR**: Debug print left in."}
    ]
    assert len(fake_github.review_edits()) == 2
    assert fake_github.reviews[2][0]["body"] == fake_github.review_edits()[-1]["body"]
    modes = Review.objects.order_by("created_at").values_list("mode", flat=True)
    assert list(modes) == ["full", "incremental", "incremental"]
