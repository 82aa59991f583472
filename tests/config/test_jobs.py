from datetime import timedelta

import pytest
from django.utils import timezone

from config.jobs.state import JobKind, JobState
from issues.jobs import TRIAGE
from issues.models import Issue, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    project = Project.objects.create(key="JOB", name="Jobs")
    return Issue.objects.create(project=project, number=1, title="Something broke")


def _reload(issue):
    issue.refresh_from_db()
    return issue


def test_a_pending_job_is_claimed_once(issue):
    assert TRIAGE.claim(issue.pk) is True
    assert TRIAGE.claim(issue.pk) is False

    claimed = _reload(issue)
    assert (claimed.triage_state, claimed.triage_attempts) == (JobState.RUNNING, 1)


def test_a_running_job_whose_lease_expired_is_taken_over(issue, settings):
    TRIAGE.claim(issue.pk)
    lapsed = timezone.now() - timedelta(seconds=settings.JOB_LEASE_S + 1)
    Issue.objects.filter(pk=issue.pk).update(triage_state_changed_at=lapsed)

    assert TRIAGE.claim(issue.pk) is True
    assert _reload(issue).triage_attempts == 2


def test_a_running_job_under_a_live_lease_is_busy_until_the_lease_expires(issue, settings):
    TRIAGE.claim(issue.pk)
    renewed = timezone.now() - timedelta(seconds=settings.JOB_LEASE_S - 5)
    Issue.objects.filter(pk=issue.pk).update(triage_state_changed_at=renewed)

    assert TRIAGE.claim(issue.pk) is False
    reason, wait_s = TRIAGE.refusal(issue.pk)
    assert reason == "busy" and 3 < wait_s <= 5


def test_renewing_the_lease_keeps_the_job_from_being_taken_over(issue, settings):
    TRIAGE.claim(issue.pk)
    lapsed = timezone.now() - timedelta(seconds=settings.JOB_LEASE_S + 1)
    Issue.objects.filter(pk=issue.pk).update(triage_state_changed_at=lapsed)

    assert TRIAGE.renew(issue.pk) is True
    assert TRIAGE.claim(issue.pk) is False


def test_a_job_started_too_often_is_not_claimed_again(issue, settings):
    Issue.objects.filter(pk=issue.pk).update(triage_state="pending", triage_attempts=settings.JOB_MAX_ATTEMPTS)

    assert TRIAGE.claim(issue.pk) is False
    assert TRIAGE.refusal(issue.pk) == ("exhausted", 0.0)


def test_a_run_released_after_a_failure_counts_one_released_after_a_wait_does_not(issue):
    TRIAGE.claim(issue.pk)
    TRIAGE.release(issue.pk)
    TRIAGE.claim(issue.pk)
    TRIAGE.release(issue.pk, counted=False)

    released = _reload(issue)
    assert (released.triage_state, released.triage_attempts) == (JobState.PENDING, 1)


def test_request_does_not_interrupt_a_running_job(issue):
    TRIAGE.claim(issue.pk)

    assert TRIAGE.request(issue.pk) is False
    assert _reload(issue).triage_state == JobState.RUNNING


def test_fail_records_the_error_and_a_rerun_clears_it(issue):
    TRIAGE.claim(issue.pk)
    TRIAGE.fail(issue.pk, "LLM not configured")
    failed = _reload(issue)
    assert (failed.triage_state, failed.triage_error) == (JobState.FAILED, "LLM not configured")

    assert TRIAGE.request(issue.pk) is True
    rerun = _reload(issue)
    assert (rerun.triage_state, rerun.triage_error, rerun.triage_attempts) == (JobState.PENDING, "", 0)


def test_stuck_finds_old_unfinished_jobs_only(issue):
    TRIAGE.request(issue.pk)
    assert not TRIAGE.stuck(older_than=timedelta(minutes=5)).exists()

    Issue.objects.filter(pk=issue.pk).update(triage_state_changed_at=timezone.now() - timedelta(minutes=10))

    assert list(TRIAGE.stuck(older_than=timedelta(minutes=5))) == [issue]


def test_enqueue_sends_the_task_after_commit(issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert TRIAGE.enqueue(issue.pk) is True

    assert len(callbacks) == 1


def test_stuck_includes_unfinished_jobs_with_no_recorded_state_change(issue):
    Issue.objects.filter(pk=issue.pk).update(triage_state=JobState.PENDING, triage_state_changed_at=None)

    assert list(TRIAGE.stuck(older_than=timedelta(minutes=5))) == [issue]


def test_a_job_kind_without_a_label_is_named_from_its_model_and_prefix():
    kind = JobKind(Issue, "github_sync_", "github_synced_at", "issues.sync_to_github")

    assert (kind.title, TRIAGE.title) == ("Issue github sync", "Triage")
