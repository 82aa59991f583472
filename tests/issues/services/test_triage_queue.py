import pytest

from config.jobs.state import JobState
from issues.models import Issue
from issues.services.triage_queue import FAN_OUT_TASK, triage_send, triage_send_on_commit
from tests.issues.factories import IssueFactory
from tests.worker import wait_for

pytestmark = pytest.mark.django_db


def test_fan_out_is_sent_in_chunks_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    from config.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kwargs: sent.append((name, len(args[0]))))

    with django_capture_on_commit_callbacks(execute=True):
        triage_send_on_commit(list(range(1, 1202)))

    assert sent == [(FAN_OUT_TASK, 500), (FAN_OUT_TASK, 500), (FAN_OUT_TASK, 201)]


def test_triage_send_skips_issues_no_longer_pending(monkeypatch):
    from config.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kwargs: sent.append(args[0]))
    pending, done = IssueFactory(), IssueFactory(triage_state=JobState.DONE)

    assert triage_send([pending.pk, done.pk]) == 1
    assert sent == [pending.pk]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_fans_out_and_triages_imported_issues(celery_worker, settings):
    settings.OPENAI_API_KEY = ""
    issues = IssueFactory.create_batch(3)
    ids = [issue.pk for issue in issues]

    triage_send_on_commit(ids)  # autocommit: sent at once

    wait_for(lambda: not Issue.objects.filter(pk__in=ids, triage_state=JobState.PENDING).exists(), timeout=30)
