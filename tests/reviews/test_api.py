import pytest
import redis

from config.jobs.state import JobState
from reviews.models import SnippetReview
from tests.reviews.factories import PullRequestFactory, ReviewCommentFactory, ReviewFactory, SnippetReviewFactory

pytestmark = pytest.mark.django_db


# --- pull requests ------------------------------------------------------------------------


def test_pull_requests_are_listed_with_reviews_and_comments(user_client):
    comment = ReviewCommentFactory()

    response = user_client.get("/api/reviews/pulls/")

    assert response.status_code == 200
    pull = response.json()["results"][0]
    assert pull["repository"] == comment.review.pull_request.repository
    assert pull["reviews"][0]["state"] == "done"
    assert pull["reviews"][0]["comments"][0]["body"] == "This can raise KeyError."


def test_a_review_shows_its_mode_and_a_comment_its_suggestion(user_client):
    review = ReviewFactory(mode="incremental", compared_to_sha="a" * 40, run=1)
    ReviewCommentFactory(review=review, start_line=9, line=10, suggestion="    return None")

    [pull] = user_client.get("/api/reviews/pulls/").json()["results"]

    [shown] = pull["reviews"]
    assert (shown["mode"], shown["compared_to_sha"]) == ("incremental", "a" * 40)
    assert {key: shown["comments"][0][key] for key in ("start_line", "line", "suggestion")} == {
        "start_line": 9,
        "line": 10,
        "suggestion": "    return None",
    }


def test_pull_request_list_query_count_does_not_grow_with_rows(user_client, django_assert_num_queries):
    for _ in range(3):
        ReviewCommentFactory.create_batch(2, review=ReviewFactory())

    # auth token, count, pull requests, reviews, comments
    with django_assert_num_queries(5):
        user_client.get("/api/reviews/pulls/")


def test_pull_requests_are_filtered_by_state_and_repository(user_client):
    PullRequestFactory(repository="acme/web", state="open")
    merged = PullRequestFactory(repository="acme/web", state="merged")
    PullRequestFactory(repository="acme/api", state="merged")

    rows = user_client.get("/api/reviews/pulls/?state=merged&repository=acme/web").json()["results"]

    assert [row["id"] for row in rows] == [merged.pk]


def test_an_unknown_pull_request_state_is_a_400(user_client):
    response = user_client.get("/api/reviews/pulls/?state=draft")

    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_pull_request_detail(user_client):
    pull = PullRequestFactory()

    response = user_client.get(f"/api/reviews/pulls/{pull.pk}/")

    assert response.status_code == 200
    assert response.json()["number"] == pull.number


def test_pull_requests_need_authentication(api_client):
    assert api_client.get("/api/reviews/pulls/").status_code == 401


# --- helpful feedback ---------------------------------------------------------------------


def test_staff_mark_a_comment_helpful(staff_client, staff_user):
    comment = ReviewCommentFactory()

    response = staff_client.post(f"/api/reviews/comments/{comment.pk}/feedback/", {"helpful": True})

    assert response.status_code == 200
    comment.refresh_from_db()
    assert (comment.helpful, comment.feedback_by) == (True, staff_user)


def test_non_staff_cannot_rate_comments(user_client):
    comment = ReviewCommentFactory()

    response = user_client.post(f"/api/reviews/comments/{comment.pk}/feedback/", {"helpful": True})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.helpful is None


def test_helpful_share_is_reported_per_repository(user_client):
    review = ReviewFactory()
    ReviewCommentFactory(review=review, helpful=True)
    ReviewCommentFactory(review=review, helpful=True)
    ReviewCommentFactory(review=review, helpful=False)
    ReviewCommentFactory(review=review)
    other = ReviewCommentFactory()

    response = user_client.get("/api/reviews/stats/")

    by_repo = {row["repository"]: row for row in response.json()}
    assert by_repo[review.pull_request.repository] == {
        "repository": review.pull_request.repository,
        "comments": 4,
        "rated": 3,
        "helpful": 2,
        "helpful_share": 0.6667,
    }
    assert by_repo[other.review.pull_request.repository]["helpful_share"] is None


# --- snippets -----------------------------------------------------------------------------


def test_snippet_is_accepted_with_202_and_queued(user_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = user_client.post(
            "/api/reviews/snippets/", {"code": "def f(x):\n    return x / 0\n", "language": "python"}
        )

    assert response.status_code == 202
    snippet = SnippetReview.objects.get(pk=response.json()["id"])
    assert (snippet.user, snippet.state, snippet.language) == (user, JobState.PENDING, "python")
    assert response.json()["findings"] is None
    assert len(callbacks) == 1


def test_snippet_over_the_size_cap_is_a_400_and_not_stored(user_client, settings):
    settings.SNIPPET_MAX_CHARS = 100

    response = user_client.post("/api/reviews/snippets/", {"code": "x" * 101})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "snippet_too_large"
    assert not SnippetReview.objects.exists()


def test_snippet_without_code_is_a_400(user_client):
    response = user_client.post("/api/reviews/snippets/", {"filename": "a.py"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"code": 5}, "code"), ({"code": "x = 1", "filename": 3}, "filename"), ({"code": "x = 1", "lang": "py"}, "lang")],
)
def test_snippet_with_a_wrong_type_or_an_unknown_field_is_a_400_naming_it(user_client, payload, field):
    response = user_client.post("/api/reviews/snippets/", payload)

    assert response.status_code == 400
    assert (response.json()["error"]["type"], list(response.json()["error"]["fields"])) == ("validation_error", [field])
    assert not SnippetReview.objects.exists()


def test_snippet_submissions_are_throttled_per_user(user_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "snippets": "2/min"},
    }
    for _ in range(2):
        assert user_client.post("/api/reviews/snippets/", {"code": "x = 1"}).status_code == 202

    response = user_client.post("/api/reviews/snippets/", {"code": "x = 1"})

    assert response.status_code == 429
    assert response.json()["error"]["type"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert SnippetReview.objects.count() == 2


def test_busy_llm_queue_answers_503_with_retry_after(user_client, settings):
    settings.SNIPPET_MAX_LLM_BACKLOG = 2
    # A broker of its own (the cache database, emptied before each test), so the test
    # worker never sees these stand-in messages.
    settings.CELERY_BROKER_URL = settings.CACHES["default"]["LOCATION"]
    redis.Redis.from_url(settings.CELERY_BROKER_URL).rpush("llm", "a", "b", "c")

    response = user_client.post("/api/reviews/snippets/", {"code": "x = 1"})

    assert response.status_code == 503
    assert response.json()["error"]["type"] == "queue_busy"
    assert response["Retry-After"] == "30"
    assert not SnippetReview.objects.exists()


def test_finished_snippet_shows_summary_and_findings(user_client, user):
    findings = [{"line": 2, "severity": "major", "message": "Division by zero."}]
    snippet = SnippetReviewFactory(user=user, state=JobState.DONE, summary="One bug.", findings=findings)

    response = user_client.get(f"/api/reviews/snippets/{snippet.pk}/")

    assert response.status_code == 200
    assert response.json()["summary"] == "One bug."
    assert response.json()["findings"] == findings


def test_another_users_snippet_is_not_found(user_client):
    snippet = SnippetReviewFactory()

    assert user_client.get(f"/api/reviews/snippets/{snippet.pk}/").status_code == 404


def test_staff_re_run_the_failed_review_of_a_pull_request(staff_client, django_capture_on_commit_callbacks):
    review = ReviewFactory(state=JobState.FAILED, error="GitHub answered 500")

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(f"/api/reviews/pulls/{review.pull_request.pk}/review/")

    assert response.status_code == 202
    assert response.json()["id"] == review.pk
    assert (response.json()["state"], response.json()["trigger"]) == ("pending", "staff")
    assert len(callbacks) == 1


def test_re_running_a_closed_pull_request_is_a_409(staff_client):
    pull = PullRequestFactory(state="closed")

    response = staff_client.post(f"/api/reviews/pulls/{pull.pk}/review/")

    assert response.status_code == 409
    assert response.json()["error"]["type"] == "not_reviewable"


def test_only_staff_re_run_reviews(user_client):
    pull = PullRequestFactory()

    assert user_client.post(f"/api/reviews/pulls/{pull.pk}/review/").status_code == 403


def test_a_broker_that_does_not_answer_does_not_stop_a_snippet_submission(user_client, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with caplog.at_level("WARNING", logger="reviews.selectors"):
        response = user_client.post("/api/reviews/snippets/", {"code": "x = 1"})

    assert response.status_code == 202
    assert "broker unavailable" in caplog.text
