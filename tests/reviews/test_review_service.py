"""Parts of the review job that need no LLM: who is skipped, and posting exactly once."""

import pytest
from django.utils import timezone

from config.jobs.state import JobState
from reviews.jobs import REVIEW
from reviews.services.review import fingerprint, review_run
from reviews.services.summary import marker
from tests.reviews.factories import ReviewCommentFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def analysed_review(**pull):
    review = ReviewFactory(
        state=JobState.RUNNING, analysed_at=timezone.now(), files_reviewed=1, pull_request__repository="o/r", **pull
    )
    review.summary = f"{marker(review.head_sha)}\nAll good."
    review.save()
    return review


def test_review_of_an_older_head_is_skipped_before_posting(fake_github):
    review = analysed_review()
    review.pull_request.head_sha = "9" * 40
    review.pull_request.save()

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.SKIPPED
    assert "superseded" in review.summary
    assert fake_github.calls == []


def test_review_of_a_pull_request_closed_meanwhile_is_skipped(fake_github):
    review = analysed_review(pull_request__state="closed")

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.SKIPPED
    assert fake_github.calls == []


def test_review_already_on_github_is_recorded_not_posted_again(fake_github):
    review = analysed_review()
    number = review.pull_request.number
    fake_github.add_review(number, body=f"older\n{marker('0' * 40)}")
    ours = fake_github.add_review(number, body=review.summary, commit_id=review.head_sha)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert (review.state, review.github_review_id) == (JobState.DONE, ours["id"])
    assert fake_github.posted() == []


def test_analysed_review_posts_its_saved_inline_comments(fake_github):
    review = analysed_review()
    ReviewCommentFactory(review=review, path="a.py", line=3, body="Bug.", inline=True)
    ReviewCommentFactory(review=review, path="a.py", line=90, body="Elsewhere.", inline=False)

    review_run(review_id=review.pk)

    [posted] = fake_github.posted()
    assert posted["comments"] == [{"path": "a.py", "line": 3, "side": "RIGHT", "body": "**MAJOR**: Bug."}]
    assert posted["commit_id"] == review.head_sha
    assert REVIEW.claim(review.pk) is False  # done: a duplicate message does nothing


def test_fingerprint_ignores_case_and_spacing_of_the_message():
    first = fingerprint(path="a.py", anchor="  x = 1", category="bug", message="Possible  KeyError.")
    second = fingerprint(path="a.py", anchor="x = 1", category="bug", message="possible keyerror.")

    assert first == second
    assert first != fingerprint(path="b.py", anchor="x = 1", category="bug", message="possible keyerror.")


def test_summary_stays_under_githubs_body_limit():
    from reviews.services.summary import MAX_BODY_CHARS, summary_body

    review = ReviewFactory.build(head_sha="a" * 40, files_reviewed=1, file_summaries=[], skipped_files=[])
    comments = [ReviewCommentFactory.build(review=review, inline=False, body="x" * 5000, line=n) for n in range(1, 400)]

    body = summary_body(review=review, comments=comments)

    assert len(body) <= MAX_BODY_CHARS + 100
    assert body.startswith(marker("a" * 40))


def test_pull_request_with_nothing_reviewable_gets_no_review(fake_github):
    from tests.reviews.github import diff_entry

    review = ReviewFactory(state=JobState.RUNNING, pull_request__repository="o/r")
    fake_github.files[review.pull_request.number] = [diff_entry("yarn.lock", "@@ -1 +1 @@\n-a\n+b")]

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.SKIPPED
    assert "no reviewable files" in review.summary
    assert fake_github.posted() == []
