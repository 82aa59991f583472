from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.jobs.periodic import ensure_periodic_tasks
from config.jobs.state import JobState
from config.jobs.sweeper import jobs_sweep_stuck
from issues.models import Issue
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db

TIMEOUT = timedelta(minutes=15)


def _triage(state, *, minutes_ago, attempts=0):
    issue = IssueFactory()
    Issue.objects.filter(pk=issue.pk).update(
        triage_state=state,
        triage_attempts=attempts,
        triage_state_changed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return Issue.objects.get(pk=issue.pk)


def _sweep(max_attempts=5):
    return jobs_sweep_stuck(older_than=TIMEOUT, max_attempts=max_attempts)["issues.triage"]


def test_stuck_pending_and_running_jobs_are_made_pending_again_and_resent(django_capture_on_commit_callbacks):
    lost = _triage(JobState.PENDING, minutes_ago=30)
    dead_worker = _triage(JobState.RUNNING, minutes_ago=30, attempts=1)

    with django_capture_on_commit_callbacks() as callbacks:
        outcome = _sweep()

    assert (outcome.resent, outcome.given_up) == (2, 0)
    assert len(callbacks) == 1  # one batch, sent after commit
    for issue in (lost, dead_worker):
        issue.refresh_from_db()
        assert issue.triage_state == JobState.PENDING
        assert timezone.now() - issue.triage_state_changed_at < timedelta(minutes=1)


def test_a_running_job_is_resent_once_its_lease_expires_not_after_the_stuck_period(settings):
    lapsed = _triage(JobState.RUNNING, minutes_ago=settings.JOB_LEASE_S / 60 + 0.1, attempts=1)
    renewed = _triage(JobState.RUNNING, minutes_ago=0.05, attempts=1)

    assert _sweep().resent == 1
    assert Issue.objects.get(pk=lapsed.pk).triage_state == JobState.PENDING
    assert Issue.objects.get(pk=renewed.pk).triage_state == JobState.RUNNING


def test_recent_and_finished_jobs_are_left_alone():
    recent = _triage(JobState.PENDING, minutes_ago=5)
    done = _triage(JobState.DONE, minutes_ago=300)
    failed = _triage(JobState.FAILED, minutes_ago=300)

    assert _sweep().resent == 0
    assert [Issue.objects.get(pk=i.pk).triage_state for i in (recent, done, failed)] == [
        JobState.PENDING,
        JobState.DONE,
        JobState.FAILED,
    ]


def test_a_job_started_too_often_ends_failed_instead_of_looping():
    poison = _triage(JobState.RUNNING, minutes_ago=30, attempts=5)

    outcome = _sweep(max_attempts=5)

    poison.refresh_from_db()
    assert (outcome.resent, outcome.given_up) == (0, 1)
    assert poison.triage_state == JobState.FAILED
    assert "Gave up after 5 attempts" in poison.triage_error
    assert poison.triaged_at is not None


def test_a_second_sweep_does_not_resend_what_the_first_just_resent():
    _triage(JobState.PENDING, minutes_ago=30)

    assert _sweep().resent == 1
    assert _sweep().resent == 0


def test_bootstrap_schedules_the_sweeper_every_minute():
    ensure_periodic_tasks()

    job = PeriodicTask.objects.get(name="system.sweep_stuck_jobs")
    assert (job.task, job.interval.every, job.interval.period) == ("system.sweep_stuck_jobs", 60, "seconds")


def test_a_sweep_resends_each_stuck_job_once_across_batches(monkeypatch):
    monkeypatch.setattr("config.jobs.sweeper.SWEEP_BATCH_SIZE", 2)
    for _ in range(3):
        _triage(JobState.PENDING, minutes_ago=1)

    outcome = jobs_sweep_stuck(older_than=timedelta(0), max_attempts=5)["issues.triage"]

    assert outcome.resent == 3
