"""The check run "Triage Desk review": GitHub App mode against the schema-checked fake GitHub; its
job run here, and the whole review through a real worker."""

import pytest

from config.jobs.state import JobState
from reviews.jobs import CHECK
from reviews.models import Review
from reviews.services.checks import CHECK_NAME, MAX_OUTPUT_CHARS, check_run_request
from reviews.tasks import sync_check_run
from tests.reviews.factories import ProjectFactory, PullRequestFactory, ReviewCommentFactory, ReviewFactory
from tests.reviews.github import deliver, diff_entry, payload_bytes
from tests.reviews.test_review_flow import APP_PATCH, HEAD, finding, responder, wait_for_review
from tests.worker import wait_for

REPOSITORY = "Codertocat/Hello-World"
CREATE = "POST /repos/{owner}/{repo}/check-runs"
UPDATE = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"


@pytest.fixture
def app_mode(request, github_app, fake_github):
    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    github_app.installations[1] = [REPOSITORY]
    return fake_github


def a_review(state: str = JobState.RUNNING, **fields) -> Review:
    pull = PullRequestFactory(project=ProjectFactory(github_repo=REPOSITORY), number=2, head_sha=HEAD)
    return ReviewFactory(pull_request=pull, state=state, summary="### Automated review", **fields)


def sync(review: Review) -> Review:
    """Ask for the check run to be brought in step, run its job here; the review afterwards."""
    CHECK.request(review.pk)
    sync_check_run.apply(args=[review.pk], throw=True).get()
    review.refresh_from_db()
    return review


def check_calls(fake_github) -> list[str]:
    return [key for key, _body in fake_github.calls if "check-runs" in key]


def test_a_running_review_shows_an_in_progress_check_run_on_its_head(app_mode):
    review = sync(a_review())

    run = app_mode.check_runs[review.check_run_id]
    assert (run["name"], run["head_sha"], run["status"]) == (CHECK_NAME, HEAD, "in_progress")
    assert run["external_id"] == str(review.pk)
    assert (review.check_shown, review.check_state) == ("in_progress", JobState.DONE)


def test_a_finished_review_with_a_critical_finding_completes_its_check_run_asking_for_action(app_mode):
    review = sync(a_review())
    ReviewCommentFactory(review=review, severity="critical")
    ReviewCommentFactory(review=review, severity="minor")
    Review.objects.filter(pk=review.pk).update(state=JobState.DONE)

    review = sync(review)

    run = app_mode.check_runs[review.check_run_id]
    assert (run["status"], run["conclusion"]) == ("completed", "action_required")
    assert run["output"] == {"title": "2 finding(s), 1 at or above critical", "summary": "### Automated review"}
    assert check_calls(app_mode) == [CREATE, UPDATE]


def test_findings_below_the_severity_complete_it_neutral(app_mode):
    review = a_review(state=JobState.DONE)
    ReviewCommentFactory(review=review, severity="major")

    review = sync(review)

    assert app_mode.check_runs[review.check_run_id]["conclusion"] == "neutral"


def test_a_dismissed_finding_does_not_ask_for_action(app_mode):
    review = a_review(state=JobState.DONE)
    ReviewCommentFactory(review=review, severity="critical", outcome="dismissed")

    review = sync(review)

    assert app_mode.check_runs[review.check_run_id]["conclusion"] == "neutral"


def test_the_repository_file_sets_the_severity_that_asks_for_action(app_mode):
    review = a_review(state=JobState.DONE)
    ReviewCommentFactory(review=review, severity="major")
    app_mode.add_file(".triage-desk.yml", "reviews:\n  check_fail_severity: major\n", ref=review.pull_request.base_sha)

    review = sync(review)

    assert app_mode.check_runs[review.check_run_id]["conclusion"] == "action_required"


def test_the_setting_sets_the_severity_that_asks_for_action(app_mode, settings):
    settings.REVIEW_CHECK_FAIL_SEVERITY = "minor"
    review = a_review(state=JobState.DONE)
    ReviewCommentFactory(review=review, severity="minor")

    review = sync(review)

    assert app_mode.check_runs[review.check_run_id]["conclusion"] == "action_required"


def test_a_skipped_review_completes_its_check_run_skipped_with_the_reason(app_mode):
    review = a_review(state=JobState.SKIPPED)
    Review.objects.filter(pk=review.pk).update(summary="Skipped: no reviewable files")

    review = sync(review)

    run = app_mode.check_runs[review.check_run_id]
    assert (run["conclusion"], run["output"]["summary"]) == ("skipped", "Skipped: no reviewable files")


def test_the_summary_is_cut_to_github_s_limit(app_mode):
    review = a_review(state=JobState.DONE)
    Review.objects.filter(pk=review.pk).update(summary="x" * 70_000)

    review = sync(review)

    assert len(app_mode.check_runs[review.check_run_id]["output"]["summary"]) == MAX_OUTPUT_CHARS


def test_the_same_state_is_sent_once(app_mode):
    review = sync(a_review(state=JobState.DONE))

    sync(review)

    assert check_calls(app_mode) == [CREATE]


def test_with_a_plain_token_no_check_run_is_asked_for(db, fake_github, django_capture_on_commit_callbacks):
    review = a_review()

    with django_capture_on_commit_callbacks() as callbacks:
        asked = check_run_request(review_id=review.pk)

    assert (asked, callbacks) == (False, [])
    review.refresh_from_db()
    assert review.check_state == JobState.SKIPPED


def test_a_refused_check_run_fails_its_own_job_visibly(app_mode):
    app_mode.queue_error(CREATE, 403, {}, {"message": "Resource not accessible by integration"})

    review = sync(a_review(state=JobState.DONE))

    assert review.check_state == JobState.FAILED
    assert "Resource not accessible" in review.check_error
    assert review.state == JobState.DONE


# --- through a real worker -------------------------------------------------------------------


@pytest.fixture
def opened_in_app_mode(client, project, app_mode, fake_openai, celery_worker):
    def send():
        assert deliver(client, "pull_request", payload_bytes("pull_request/opened")).status_code == 202

    return send


def test_review_job_shows_in_progress_then_completes_the_check_run(opened_in_app_mode, app_mode, fake_openai):
    app_mode.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_openai.set_responder(responder({"src/app.py": [finding(4, "SQL built from input.", "critical", "security")]}))

    opened_in_app_mode()

    review = wait_for_review()
    wait_for(lambda: Review.objects.filter(pk=review.pk, check_shown="action_required", check_state="done").first())
    bodies = [body for key, body in app_mode.calls if "check-runs" in key]
    assert [(body.get("status"), body.get("conclusion")) for body in bodies] == [
        ("in_progress", None),
        ("completed", "action_required"),
    ]
    assert bodies[1]["output"]["summary"] == Review.objects.get(pk=review.pk).summary


def test_a_check_run_failure_does_not_fail_or_repeat_the_review(opened_in_app_mode, app_mode, fake_openai):
    app_mode.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    for _attempt in range(10):
        app_mode.queue_error(CREATE, 403, {}, {"message": "Resource not accessible by integration"})

    opened_in_app_mode()

    review = wait_for_review()
    wait_for(lambda: Review.objects.filter(pk=review.pk, check_state=JobState.FAILED).first())
    assert len(app_mode.posted()) == 1
    assert review.attempts == 1


def test_an_earlier_heads_finding_still_on_the_diff_keeps_asking_for_action(app_mode):
    earlier = ReviewCommentFactory(review=a_review(state=JobState.DONE), severity="critical")
    pull = earlier.review.pull_request
    review = ReviewFactory(pull_request=pull, head_sha="4" * 40, state=JobState.DONE, open_earlier_ids=[earlier.pk])

    review = sync(review)

    run = app_mode.check_runs[review.check_run_id]
    assert (run["conclusion"], run["output"]["title"]) == ("action_required", "1 finding(s), 1 at or above critical")


def test_an_earlier_heads_finding_dismissed_since_no_longer_asks_for_action(app_mode):
    earlier = ReviewCommentFactory(review=a_review(state=JobState.DONE), severity="critical", outcome="dismissed")
    review = ReviewFactory(
        pull_request=earlier.review.pull_request, head_sha="4" * 40, state=JobState.DONE, open_earlier_ids=[earlier.pk]
    )

    review = sync(review)

    assert app_mode.check_runs[review.check_run_id]["conclusion"] == "neutral"
