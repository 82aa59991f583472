"""One summary per pull request kept current, and pushes reviewed incrementally (compare API)."""

import pytest

from config.jobs.errors import TransientError
from reviews.choices import ReviewMode
from reviews.models import ReviewComment
from reviews.services.findings import fingerprint
from reviews.services.pulls import review_request
from reviews.services.review import review_post, review_run
from reviews.services.summary import SUMMARY_MARKER, marker
from tests.reviews.factories import ReviewCommentFactory, ReviewFactory
from tests.reviews.github import diff_entry
from tests.reviews.reviewing import (
    HEAD1,
    HEAD2,
    HEAD3,
    LOAD_HUNK,
    SAVE_HUNK,
    SAVE_PUSH,
    app_file,
    finding,
    open_pull,
    path_in,
    push,
    responder,
    review_head,
)

pytestmark = pytest.mark.django_db

LEAK = finding(4, "open() is never closed.")
SAVE_LEAK = finding(23, "The file is never closed.")


@pytest.fixture
def reviewed(project, fake_github, fake_openai):
    """A pull request whose first head was reviewed: one finding posted with the summary."""
    fake_openai.set_responder(responder({"src/app.py": [LEAK]}))
    pull = open_pull(project, fake_github, [app_file(LOAD_HUNK)])
    review_head(pull, trigger="opened")
    return pull


def push_save(pull, fake_github):
    push(pull, fake_github, HEAD2, files=[app_file(LOAD_HUNK, SAVE_HUNK)], changed=[app_file(SAVE_PUSH)])


def test_the_first_review_posts_the_summary_and_records_it_on_the_pull_request(reviewed, fake_github):
    [posted] = fake_github.posted()
    assert SUMMARY_MARKER in posted["body"] and marker(HEAD1) in posted["body"]
    assert [comment["line"] for comment in posted["comments"]] == [4]
    assert (reviewed.summary_review_id, reviewed.reviewed_head_sha) == (fake_github.reviews[7][0]["id"], HEAD1)
    assert reviewed.reviews.get().mode == ReviewMode.FULL
    assert fake_github.review_edits() == []  # the body posted is the summary as it stands


def test_a_push_without_new_findings_edits_the_summary_and_posts_no_review(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({}))
    push_save(reviewed, fake_github)

    review = review_head(reviewed)

    assert len(fake_github.posted()) == 1
    [edit] = fake_github.review_edits()
    assert fake_github.reviews[7][0]["body"] == edit["body"]
    assert "`2222222`: reviewed what changed since `1111111`" in edit["body"]
    assert marker(HEAD1) in edit["body"] and marker(HEAD2) not in edit["body"]
    assert (review.mode, review.compared_to_sha, review.github_review_id) == (ReviewMode.INCREMENTAL, HEAD1, None)
    assert reviewed.reviewed_head_sha == HEAD2


def test_an_incremental_review_shows_the_llm_only_the_hunks_the_push_changed(reviewed, fake_github, fake_openai):
    push_save(reviewed, fake_github)

    review_head(reviewed)

    prompt = fake_openai.requests[-1]["messages"][-1]["content"]
    assert "def save(path, data):" in prompt
    assert "json.load(open(path))" not in prompt
    assert len(fake_openai.requests) == 2


def test_a_push_with_a_new_finding_posts_one_review_holding_only_it(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({"src/app.py": [SAVE_LEAK]}))
    push_save(reviewed, fake_github)

    review = review_head(reviewed)

    first, second = fake_github.posted()
    assert second["comments"] == [
        {"path": "src/app.py", "line": 23, "side": "RIGHT", "body": "**MAJOR**: The file is never closed."}
    ]
    assert marker(HEAD2) in second["body"] and SUMMARY_MARKER not in second["body"]
    assert len(second["body"]) < 300
    assert review.github_review_id == fake_github.reviews[7][1]["id"]
    assert len(fake_github.review_edits()) == 1  # the summary names the push


def test_a_finding_already_posted_is_not_posted_again(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({"src/app.py": [LEAK, SAVE_LEAK]}))
    push(reviewed, fake_github, HEAD2, files=[app_file(LOAD_HUNK, SAVE_HUNK)], changed=[app_file(SAVE_PUSH)])

    review_head(reviewed)

    second = fake_github.posted()[1]
    assert [comment["line"] for comment in second["comments"]] == [23]


def test_a_dismissed_finding_is_never_posted(project, fake_github, fake_openai):
    fake_openai.set_responder(responder({"src/app.py": [LEAK]}))
    pull = open_pull(project, fake_github, [app_file(LOAD_HUNK)])
    earlier = ReviewFactory(pull_request=pull, head_sha="e" * 40)
    mark = fingerprint(path="src/app.py", anchor="    return data['key']", category="bug", message=LEAK["message"])
    ReviewCommentFactory(review=earlier, fingerprint=mark, outcome="dismissed", inline=True, posted=False)

    review_head(pull, trigger="opened")

    [posted] = fake_github.posted()
    assert posted["comments"] == []
    assert LEAK["message"] not in posted["body"]


def test_posting_again_changes_nothing_on_github(reviewed, fake_github):
    calls = len(fake_github.writes())

    review_post(review=reviewed.reviews.get())

    assert len(fake_github.writes()) == calls


@pytest.mark.parametrize("status", [None, "diverged", "behind"], ids=["unknown-to-github", "diverged", "behind"])
def test_a_push_that_lost_the_reviewed_head_is_reviewed_in_full_once(reviewed, fake_github, fake_openai, status):
    fake_openai.set_responder(responder({}))
    push(reviewed, fake_github, HEAD2, files=[app_file(LOAD_HUNK, SAVE_HUNK)], changed=[], status=status)

    rebased = review_head(reviewed)
    push(reviewed, fake_github, HEAD3, files=[app_file(LOAD_HUNK, SAVE_HUNK)], changed=[app_file(SAVE_PUSH)])
    after = review_head(reviewed)

    assert (rebased.mode, after.mode) == (ReviewMode.FULL, ReviewMode.INCREMENTAL)
    assert "force-push or rebase" in rebased.mode_note
    assert "json.load(open(path))" in fake_openai.requests[1]["messages"][-1]["content"]
    assert len(fake_github.posted()) == 1  # the summary is edited, never posted again
    assert SUMMARY_MARKER in fake_github.reviews[7][0]["body"]


def test_review_full_reviews_the_whole_diff_of_a_head_reviewed_incrementally(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({}))
    push_save(reviewed, fake_github)
    review_head(reviewed)
    fake_openai.set_responder(responder({"src/app.py": [finding(2, "load() has no docstring.", "minor")]}))

    review = review_head(reviewed, trigger="command", full=True)

    assert (review.mode, review.run) == (ReviewMode.FULL, 2)
    assert "json.load(open(path))" in fake_openai.requests[-1]["messages"][-1]["content"]
    second = fake_github.posted()[1]
    assert marker(HEAD2, 2) in second["body"]
    assert [comment["line"] for comment in second["comments"]] == [2]


def test_comments_of_a_pull_request_posted_are_marked_so(reviewed):
    assert list(ReviewComment.objects.values_list("posted", flat=True)) == [True]


def test_a_file_the_push_did_not_change_is_not_reviewed_again(project, fake_github, fake_openai):
    other = diff_entry("src/other.py", "@@ -1 +1,2 @@\n x = 1\n+y = 2")
    pull = open_pull(project, fake_github, [app_file(LOAD_HUNK), other])
    review_head(pull, trigger="opened")
    push(pull, fake_github, HEAD2, files=[app_file(LOAD_HUNK, SAVE_HUNK), other], changed=[app_file(SAVE_PUSH)])

    review_head(pull)

    assert [path_in(request) for request in fake_openai.requests[2:]] == ["src/app.py"]


def test_a_full_review_asked_while_the_push_s_review_waits_makes_it_full(reviewed, fake_github, fake_openai):
    push_save(reviewed, fake_github)
    review_request(pull=reviewed, trigger="synchronize")

    review = review_head(reviewed, trigger="command", full=True)

    assert (review.mode, review.run, review.mode_note) == (ReviewMode.FULL, 1, "a full review was asked for")


def test_a_compare_github_cannot_answer_now_is_retried_rather_than_reviewed_in_full(reviewed, fake_github):
    push_save(reviewed, fake_github)
    fake_github.queue_error("GET /repos/{owner}/{repo}/compare/{basehead}", 503)
    review = review_request(pull=reviewed, trigger="synchronize")

    with pytest.raises(TransientError):
        review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.analysed_at is None
    assert len(fake_github.posted()) == 1


def test_a_push_that_only_reformats_a_file_sends_nothing_to_the_llm(reviewed, fake_github, fake_openai):
    rewrapped = (
        "@@ -3,2 +3,4 @@\n-    data = json.load(open(path))\n+    data = json.load(\n+        open(path)\n+    )"
    )
    push(reviewed, fake_github, HEAD2, files=[app_file(LOAD_HUNK)], changed=[app_file(rewrapped)])

    review = review_head(reviewed)

    assert len(fake_openai.requests) == 1  # the first review's call only
    assert len(fake_github.posted()) == 1
    assert "only reformatted, not reviewed again: `src/app.py`" in fake_github.review_edits()[-1]["body"]
    assert (review.mode, reviewed.reviewed_head_sha) == (ReviewMode.INCREMENTAL, HEAD2)


def test_a_finding_whose_line_a_push_left_alone_stays_open(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({}))
    push_save(reviewed, fake_github)

    review = review_head(reviewed)

    assert review.open_earlier_ids == [ReviewComment.objects.get(line=4).pk]


def test_a_finding_whose_line_a_push_changed_is_addressed(reviewed, fake_github, fake_openai):
    fake_openai.set_responder(responder({}))
    fixed = LOAD_HUNK.replace("    return data['key']", "    return data.get('key')")
    changed = "@@ -4,1 +4,1 @@\n-    return data['key']\n+    return data.get('key')"
    push(reviewed, fake_github, HEAD2, files=[app_file(fixed)], changed=[app_file(changed)])

    review = review_head(reviewed)

    assert review.open_earlier_ids == []
