"""Learning from what people do: resolved threads (the real pull_request_review_thread payloads),
reactions on our inline comments (the schema-checked fake GitHub) and staff's rating."""

import pytest
from celery.exceptions import Retry

from config.jobs.state import JobState
from reviews.jobs import OUTCOMES
from reviews.models import PullRequest, ReviewComment
from reviews.services.feedback import review_comment_rate
from reviews.tasks import refresh_outcomes
from tests.reviews.factories import ProjectFactory, PullRequestFactory, ReviewCommentFactory, ReviewFactory
from tests.reviews.github import payload, payload_bytes, receive_and_process

pytestmark = pytest.mark.django_db

HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
THREAD_COMMENT_ID = 284312630  # the root comment of the stored thread payloads
REACTIONS = "GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"


def our_finding(github_id: int = THREAD_COMMENT_ID, **fields) -> ReviewComment:
    """An inline comment of a posted review on Codertocat/Hello-World#2, with its GitHub id."""
    pull = PullRequestFactory(project=ProjectFactory(github_repo="Codertocat/Hello-World"), number=2, head_sha=HEAD)
    review = ReviewFactory(pull_request=pull, github_review_id=237895671)
    return ReviewCommentFactory(review=review, path="README.md", line=265, github_id=github_id, **fields)


def outcome_of(comment: ReviewComment) -> tuple[str, str]:
    comment.refresh_from_db()
    return comment.outcome, comment.outcome_source


def refresh(pull_pk: int) -> None:
    """Ask for the reading of reactions, and run its job here."""
    OUTCOMES.request(pull_pk)
    refresh_outcomes.apply(args=[pull_pk], throw=True).get()


# --- threads -------------------------------------------------------------------------------


def test_a_thread_resolved_without_a_code_change_dismisses_the_finding(client, db):
    finding = our_finding()

    delivery = receive_and_process(
        client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/resolved")
    )

    assert delivery.state == JobState.DONE, delivery.error
    assert outcome_of(finding) == ("dismissed", "thread")


def test_a_thread_resolved_after_the_commented_code_changed_keeps_the_outcome(client, db):
    finding = our_finding()
    data = payload("pull_request_review_thread/resolved")
    data["thread"]["comments"][0].update(line=None, commit_id="a" * 40)  # outdated: the line changed

    delivery = receive_and_process(client, "pull_request_review_thread", data)

    assert "a fix" in delivery.result
    assert outcome_of(finding) == ("", "")


def test_unresolving_the_thread_undoes_its_dismissal(client, db):
    finding = our_finding()
    receive_and_process(client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/resolved"))

    receive_and_process(client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/unresolved"))

    assert outcome_of(finding) == ("", "")


def test_unresolving_a_thread_keeps_a_dismissal_staff_made(client, db, staff_user):
    finding = our_finding()
    review_comment_rate(comment=finding, helpful=False, user=staff_user)

    receive_and_process(client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/unresolved"))

    assert outcome_of(finding) == ("dismissed", "staff")


def test_a_thread_about_someone_else_s_comment_is_skipped(client, db):
    finding = our_finding(github_id=1)

    delivery = receive_and_process(
        client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/resolved")
    )

    assert delivery.state == JobState.SKIPPED
    assert "not about one of our findings" in delivery.result
    assert outcome_of(finding) == ("", "")


# --- reactions -----------------------------------------------------------------------------


def test_a_thumbs_down_from_a_person_dismisses_the_finding(fake_github):
    finding = our_finding(github_id=901)
    fake_github.add_reaction(901, "-1", login="maintainer")

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("dismissed", "reaction")
    assert finding.outcome_at.isoformat() == "2026-11-22T10:00:00+00:00"


def test_a_thumbs_up_from_a_person_marks_the_finding_helpful(fake_github):
    finding = our_finding(github_id=901)
    fake_github.add_reaction(901, "+1", login="maintainer")

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("helpful", "reaction")


def test_reactions_from_bots_and_other_emoji_are_ignored(fake_github):
    finding = our_finding(github_id=901)
    fake_github.add_reaction(901, "-1", login="renovate[bot]", kind="Bot")
    fake_github.add_reaction(901, "heart", login="maintainer")

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("", "")


def test_a_person_s_latest_reaction_counts_and_a_tie_dismisses(fake_github):
    finding = our_finding(github_id=901)
    fake_github.add_reaction(901, "-1", login="alice", at="2026-11-22T10:00:00Z")
    fake_github.add_reaction(901, "+1", login="alice", at="2026-11-22T11:00:00Z")  # alice changed her mind
    fake_github.add_reaction(901, "-1", login="bob", at="2026-11-22T09:00:00Z")

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("dismissed", "reaction")


def test_reactions_taken_back_clear_what_reactions_set(fake_github):
    finding = our_finding(github_id=901)
    fake_github.add_reaction(901, "-1", login="maintainer")
    refresh(finding.review.pull_request_id)
    fake_github.reactions.clear()

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("", "")


def test_reactions_never_change_what_staff_rated(fake_github, staff_user):
    finding = our_finding(github_id=901)
    review_comment_rate(comment=finding, helpful=True, user=staff_user)
    fake_github.add_reaction(901, "-1", login="maintainer")

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("helpful", "staff")
    assert REACTIONS not in [key for key, _body in fake_github.calls]


def test_a_thread_resolved_after_the_latest_reaction_stands(client, fake_github):
    finding = our_finding()
    fake_github.add_reaction(THREAD_COMMENT_ID, "+1", login="maintainer", at="2026-01-01T00:00:00Z")
    receive_and_process(client, "pull_request_review_thread", payload_bytes("pull_request_review_thread/resolved"))

    refresh(finding.review.pull_request_id)

    assert outcome_of(finding) == ("dismissed", "thread")


def test_a_comment_deleted_on_github_is_passed_over(fake_github):
    gone = our_finding(github_id=901)
    kept = ReviewCommentFactory(review=gone.review, github_id=902)
    fake_github.queue_error(REACTIONS, 404, {}, {"message": "Not Found"})
    fake_github.add_reaction(902, "+1", login="maintainer")

    refresh(gone.review.pull_request_id)

    assert outcome_of(kept) == ("helpful", "reaction")
    assert PullRequest.objects.get().outcomes_state == JobState.DONE


def test_a_github_outage_while_reading_reactions_is_retried(fake_github):
    finding = our_finding(github_id=901)
    fake_github.queue_error(REACTIONS, 502)
    pull = finding.review.pull_request

    with pytest.raises(Retry):
        refresh(pull.pk)

    pull.refresh_from_db()
    assert (pull.outcomes_state, pull.outcomes_attempts) == (JobState.PENDING, 1)


def test_closing_the_pull_request_queues_the_reading_of_reactions(client, django_capture_on_commit_callbacks):
    finding = our_finding(github_id=901)

    with django_capture_on_commit_callbacks() as callbacks:
        delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/closed"))

    assert "reactions to be read" in delivery.result
    finding.review.pull_request.refresh_from_db()
    assert finding.review.pull_request.outcomes_state == JobState.PENDING
    assert len(callbacks) == 2  # the delivery's job, then the reading's


def test_staff_ask_for_the_reactions_to_be_read_again(staff_client, fake_github, django_capture_on_commit_callbacks):
    finding = our_finding(github_id=901)
    pull_id = finding.review.pull_request_id

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(f"/api/reviews/pulls/{pull_id}/refresh-reactions/")

    assert response.status_code == 202
    assert response.json()["outcomes_state"] == "pending"
    assert len(callbacks) == 1


def test_refreshing_a_pull_request_without_linked_comments_is_a_409(staff_client):
    pull = PullRequestFactory()

    response = staff_client.post(f"/api/reviews/pulls/{pull.pk}/refresh-reactions/")

    assert response.status_code == 409
    assert response.json()["error"]["type"] == "nothing_to_refresh"


def test_only_staff_ask_for_reactions(user_client):
    finding = our_finding(github_id=901)

    response = user_client.post(f"/api/reviews/pulls/{finding.review.pull_request_id}/refresh-reactions/")

    assert response.status_code == 403


# --- staff's rating --------------------------------------------------------------------------


def test_staff_rating_is_the_outcome_and_the_old_field_stays(staff_client):
    finding = our_finding()

    response = staff_client.post(f"/api/reviews/comments/{finding.pk}/feedback/", {"helpful": False}, format="json")

    assert response.status_code == 200
    assert (response.json()["helpful"], response.json()["outcome"], response.json()["outcome_source"]) == (
        False,
        "dismissed",
        "staff",
    )


def test_clearing_the_staff_rating_clears_the_outcome_staff_set(staff_client, staff_user):
    finding = our_finding()
    review_comment_rate(comment=finding, helpful=True, user=staff_user)

    staff_client.post(f"/api/reviews/comments/{finding.pk}/feedback/", {"helpful": None}, format="json")

    assert outcome_of(finding) == ("", "")
