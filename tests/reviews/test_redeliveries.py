"""Failed deliveries come back: reviews.redeliver_failed against the fake App's delivery list."""

import logging

import pytest
from django.contrib.admin.sites import site

from config.jobs.periodic import PERIODIC_JOBS
from reviews.models import Delivery, Redelivery, RedeliveryRun
from reviews.services.redeliveries import redeliver_failed
from reviews.tasks import redeliver_failed as redeliver_failed_task

pytestmark = pytest.mark.django_db

LIST = "GET /app/hook/deliveries"
ATTEMPTS = "POST /app/hook/deliveries/{delivery_id}/attempts"


def keys(fake_github) -> list[str]:
    return [key for key, _ in fake_github.calls]


def test_failed_deliveries_across_two_pages_are_redelivered_once_each(github_app, fake_github):
    for n in range(130):
        github_app.add_delivery(f"ok-{n}", "OK", minutes_ago=n + 5)
    lost = github_app.add_delivery("lost-1", "failed to connect", minutes_ago=200)
    timed_out = github_app.add_delivery("lost-2", "Timed out", minutes_ago=2)

    run = redeliver_failed()

    assert keys(fake_github).count(LIST) == 2
    assert (run.ok, run.listed, run.failed, run.held, run.requested, run.errors) == (True, 132, 2, 0, 2, 0)
    assert sorted(github_app.redelivered) == sorted([lost["id"], timed_out["id"]])
    assert set(Redelivery.objects.values_list("guid", flat=True)) == {"lost-1", "lost-2"}


def test_guid_with_an_ok_attempt_is_not_requested(github_app):
    github_app.add_delivery("retried", "failed to connect", minutes_ago=30)
    github_app.add_delivery("retried", "OK", minutes_ago=20)

    run = redeliver_failed()

    assert (run.listed, run.failed, run.requested) == (2, 0, 0)
    assert github_app.redelivered == []


def test_failed_guid_we_hold_is_skipped(github_app):
    github_app.add_delivery("slow-answer", "Timed out", minutes_ago=10)
    Delivery.objects.create(delivery_id="slow-answer", event="issues", action="opened", payload={})

    run = redeliver_failed()

    assert (run.failed, run.held, run.requested) == (1, 1, 0)
    assert github_app.redelivered == []


def test_a_second_run_requests_nothing_new_and_reads_only_back_to_the_first(github_app, fake_github):
    for n in range(150):
        github_app.add_delivery(f"ok-{n}", "OK", minutes_ago=60 + n * 10)
    github_app.add_delivery("lost", "failed to connect", minutes_ago=70)
    first = redeliver_failed()
    assert first.requested == 1

    github_app.clock.advance(600)
    fake_github.calls.clear()
    second = redeliver_failed()

    assert (second.requested, second.already_requested, second.failed) == (0, 1, 1)
    assert keys(fake_github) == [LIST]  # one page reaches back past where the first run stopped
    assert second.window_start > first.window_start
    assert len(github_app.redelivered) == 1


def test_attempts_older_than_github_s_window_are_left_alone(github_app):
    github_app.add_delivery("ancient", "failed to connect", minutes_ago=3 * 24 * 60 + 5)

    run = redeliver_failed()

    assert (run.listed, run.requested) == (0, 0)
    assert github_app.redelivered == []


def test_a_redelivery_github_could_not_take_is_asked_again_next_run(github_app, fake_github):
    lost = github_app.add_delivery("lost", "failed to connect", minutes_ago=5)
    fake_github.queue_error(ATTEMPTS, 502, body={"message": "Server Error"})

    first = redeliver_failed()
    second = redeliver_failed()

    assert (first.requested, first.errors) == (0, 1)
    assert second.requested == 1
    assert github_app.redelivered == [lost["id"]]


def test_without_app_credentials_nothing_is_done_and_the_log_says_so(fake_github, caplog):
    with caplog.at_level(logging.INFO, logger="reviews.services.redeliveries"):
        assert redeliver_failed_task() is None

    assert fake_github.calls == []
    assert not RedeliveryRun.objects.exists()
    assert "GitHub App not configured" in caplog.text


def test_run_counts_are_logged_and_shown_read_only_to_staff(github_app, caplog, client, django_user_model):
    github_app.add_delivery("lost", "failed to connect", minutes_ago=5)
    with caplog.at_level(logging.INFO, logger="reviews.services.redeliveries"):
        result = redeliver_failed_task()

    assert result["requested"] == 1
    assert "listed=1 failed=1 held=0 already_requested=0 requested=1 errors=0" in caplog.text
    admin = django_user_model.objects.create_superuser("ops", "ops@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/reviews/redeliveryrun/")
    assert page.status_code == 200
    run = RedeliveryRun.objects.get()
    assert not site._registry[RedeliveryRun].has_change_permission(page.wsgi_request, run)
    assert client.get(f"/admin/reviews/redelivery/{Redelivery.objects.get().pk}/change/").status_code == 200


def test_redelivery_is_a_periodic_job_every_ten_minutes():
    [job] = [job for job in PERIODIC_JOBS if job.name == "reviews.redeliver_failed"]

    assert (job.task, job.every_seconds) == ("reviews.redeliver_failed", 600)
    assert redeliver_failed_task.queue == "default"


def test_a_redelivery_github_refuses_is_recorded_and_not_asked_again(github_app, fake_github):
    github_app.add_delivery("refused", "failed to connect", minutes_ago=5)
    fake_github.queue_error(ATTEMPTS, 422, body={"message": "Validation Failed"})

    first = redeliver_failed()
    second = redeliver_failed()

    assert (first.requested, first.errors, second.requested) == (0, 1, 0)
    assert "422" in Redelivery.objects.get(guid="refused").error
    assert github_app.redelivered == []
