import pytest

from config.jobs.state import JobState
from reviews.models import Delivery
from tests.reviews.factories import ReviewCommentFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def _failed_delivery() -> Delivery:
    return Delivery.objects.create(
        delivery_id="d-failed",
        event="pull_request",
        action="opened",
        payload={"action": "opened"},
        state=JobState.FAILED,
        error="GitHub answered 500",
        attempts=6,
    )


def test_failed_delivery_is_re_run_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    delivery = _failed_delivery()

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/reviews/delivery/", {"action": "rerun", "_selected_action": [delivery.pk]}, follow=True
        )

    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.state, delivery.error, delivery.attempts) == (JobState.PENDING, "", 0)
    assert len(callbacks) == 1


def test_failed_review_is_re_run_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    review = ReviewFactory(state=JobState.FAILED, error="LLM not configured")

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post("/admin/reviews/review/", {"action": "rerun", "_selected_action": [review.pk]})

    review.refresh_from_db()
    assert (review.state, review.trigger) == (JobState.PENDING, "staff")
    assert len(callbacks) == 1


def test_staff_mark_comments_helpful_in_the_admin(admin_client, admin_user):
    comment = ReviewCommentFactory()

    admin_client.post("/admin/reviews/reviewcomment/", {"action": "mark_helpful", "_selected_action": [comment.pk]})

    comment.refresh_from_db()
    assert (comment.helpful, comment.feedback_by) == (True, admin_user)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reviews/delivery/",
        "/admin/reviews/pullrequest/",
        "/admin/reviews/review/",
        "/admin/reviews/reviewcomment/",
        "/admin/reviews/repositorysettings/",
        "/admin/reviews/snippetreview/",
        "/admin/reviews/installation/",
    ],
)
def test_admin_lists_render(admin_client, url):
    ReviewCommentFactory()

    assert admin_client.get(url).status_code == 200


def test_review_change_page_shows_its_comments(admin_client):
    comment = ReviewCommentFactory(body="Unclosed file handle.")

    response = admin_client.get(f"/admin/reviews/review/{comment.review.pk}/change/")

    assert b"Unclosed file handle." in response.content


def test_staff_ask_for_reactions_to_be_read_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    comment = ReviewCommentFactory(github_id=901)
    pull = comment.review.pull_request

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post("/admin/reviews/pullrequest/", {"action": "refresh_reactions", "_selected_action": [pull.pk]})

    pull.refresh_from_db()
    assert pull.outcomes_state == JobState.PENDING
    assert len(callbacks) == 1


def test_pull_commands_are_listed_in_the_admin(admin_client):
    from reviews.models import PullCommand

    PullCommand.objects.create(comment_id=1, repository="o/r", number=3, command="/pause", author="octocat")

    response = admin_client.get("/admin/reviews/pullcommand/")

    assert response.status_code == 200
    assert b"/pause" in response.content


def test_a_rating_given_on_the_review_page_is_recorded_as_staff_feedback(admin_client, admin_user):
    comment = ReviewCommentFactory()
    prefix = "comments"
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(comment.pk),
        f"{prefix}-0-review": str(comment.review_id),
        f"{prefix}-0-helpful": "true",
    }

    response = admin_client.post(f"/admin/reviews/review/{comment.review_id}/change/", data)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.helpful, comment.feedback_by, comment.outcome, comment.outcome_source) == (
        True,
        admin_user,
        "helpful",
        "staff",
    )
