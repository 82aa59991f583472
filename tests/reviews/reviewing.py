"""A pull request's life in the review service's tests: opened, pushed to, each head reviewed by
the job's own code (`review_run`) against the fake GitHub and the fake OpenAI server."""

import re

from reviews.models import PullRequest, Review
from reviews.services.pulls import review_request
from reviews.services.review import review_run
from tests.reviews.github import diff_entry

NUMBER = 7
BASE = "b" * 40
HEAD1, HEAD2, HEAD3 = "1" * 40, "2" * 40, "3" * 40

# src/app.py at HEAD1: one hunk (new lines 1-4); at HEAD2 a second hunk (new lines 22-24).
LOAD_HUNK = """@@ -1,2 +1,4 @@
 import json
-def load(path):
+def load(path):
+    data = json.load(open(path))
+    return data['key']"""
SAVE_HUNK = """@@ -20,1 +22,3 @@
 def save(path, data):
+    out = open(path, "w")
+    json.dump(data, out)"""
# What the push from HEAD1 to HEAD2 changed in the file (the compare API's patch).
SAVE_PUSH = """@@ -22,1 +22,3 @@
 def save(path, data):
+    out = open(path, "w")
+    json.dump(data, out)"""


def finding(line: int, message: str, severity: str = "major", category: str = "bug", **extra) -> dict:
    return {"line": line, "severity": severity, "category": category, "message": message, **extra}


def path_in(request: dict) -> str:
    return re.search(r"^Path: (.+)$", request["messages"][-1]["content"], re.MULTILINE).group(1)


def responder(findings_by_path: dict):
    """Answers each call with the findings scripted for the path named in its prompt."""

    def answer(body: dict) -> dict:
        path = path_in(body)
        return {"summary": f"Changes {path}.", "findings": findings_by_path.get(path, [])}

    return answer


def open_pull(project, fake_github, files: list[dict], *, head: str = HEAD1, **fields) -> PullRequest:
    fake_github.files[NUMBER] = files
    return PullRequest.objects.create(
        repository=project.github_repo,
        number=NUMBER,
        project=project,
        head_sha=head,
        base_sha=BASE,
        title=fields.pop("title", "Load and save settings"),
        **fields,
    )


def push(pull: PullRequest, fake_github, head: str, *, files: list[dict], changed: list[dict], status="ahead"):
    """New commits: the pull request's files at `head`, and what changed since its last head."""
    if status is not None:
        fake_github.add_comparison(pull.head_sha, head, status=status, files=changed)
    fake_github.files[pull.number] = files
    PullRequest.objects.filter(pk=pull.pk).update(head_sha=head)
    pull.refresh_from_db()


def review_head(pull: PullRequest, *, trigger: str = "synchronize", **options) -> Review:
    """Request the review of the current head and run its job here."""
    review = review_request(pull=pull, trigger=trigger, **options)
    review_run(review_id=review.pk)
    review.refresh_from_db()
    pull.refresh_from_db()
    return review


def app_file(*hunks: str) -> dict:
    return diff_entry("src/app.py", "\n".join(hunks))
