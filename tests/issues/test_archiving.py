from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from issues import archiving
from issues.actors import LLM, Actor
from issues.archiving import issues_archive_stale
from issues.choices import ActorType, IssuePriority, IssueStatus
from issues.models import Activity, Issue
from issues.services import issue_update
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _idle(issue, days):
    """Make the issue look untouched for `days` (auto_now fields are set through update())."""
    when = timezone.now() - timedelta(days=days)
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=when, updated_at=when)
    return issue


def _touched(issue, field):
    Issue.objects.filter(pk=issue.pk).update(**{field: timezone.now()})
    return issue


def _archived_ids():
    return set(Issue.objects.filter(archived_at__isnull=False).values_list("pk", flat=True))


@pytest.fixture
def project():
    return ProjectFactory(key="ARC")


@pytest.fixture
def mixed(project):
    """One issue of every kind the job must tell apart."""
    pinned = LabelFactory(project=project, name="Pinned")
    return {
        "fresh": _idle(IssueFactory(project=project), 3),
        "stale": _idle(IssueFactory(project=project), 45),
        "stale_resolved_critical": _idle(
            IssueFactory(project=project, priority=IssuePriority.CRITICAL, status=IssueStatus.RESOLVED), 45
        ),
        "pinned": _idle(IssueFactory(project=project, labels=[pinned]), 45),
        "open_critical": _idle(IssueFactory(project=project, priority=IssuePriority.CRITICAL), 45),
        "in_progress_critical": _idle(
            IssueFactory(project=project, priority=IssuePriority.CRITICAL, status=IssueStatus.IN_PROGRESS), 45
        ),
        "commented_recently": _touched(_idle(IssueFactory(project=project), 45), "last_activity_at"),
    }


@pytest.fixture(params=["sql", "orm"])
def batch_strategy(request, monkeypatch):
    """The PostgreSQL statement and the portable (SQLite) path must archive the same rows."""
    if request.param == "orm":
        monkeypatch.setattr(archiving, "_archive_batch_sql", archiving._archive_batch_orm)
    return request.param


def test_archives_exactly_the_stale_issues_that_are_not_exempt(mixed, batch_strategy):
    report = issues_archive_stale()

    assert _archived_ids() == {mixed["stale"].pk, mixed["stale_resolved_critical"].pk}
    assert report.archived == 2


def test_an_issue_only_automation_changed_recently_is_archived(project, batch_strategy):
    issue = _idle(IssueFactory(project=project), 45)
    issue = issue_update(issue=issue, version=None, actor=LLM, summary="Triage's summary")

    issues_archive_stale()

    assert issue.updated_at > timezone.now() - timedelta(minutes=1)
    assert _archived_ids() == {issue.pk}


def test_an_issue_a_person_changed_recently_is_not_archived(project, batch_strategy, user):
    issue = _idle(IssueFactory(project=project), 45)
    issue_update(issue=issue, version=None, actor=Actor.of_user(user), summary="A person's summary")

    issues_archive_stale()

    assert _archived_ids() == set()


def test_every_archived_issue_gets_one_automation_activity_row(mixed, batch_strategy):
    issues_archive_stale()

    rows = Activity.objects.filter(field="archived_at")
    assert sorted(rows.values_list("issue_id", flat=True)) == sorted(_archived_ids())
    assert set(rows.values_list("actor_type", "actor_name")) == {(ActorType.AUTOMATION, "beat")}
    assert all(row.old_value is None and row.new_value for row in rows)


def test_a_second_run_archives_nothing_and_logs_nothing(mixed, batch_strategy):
    issues_archive_stale()
    before = Activity.objects.count()

    assert issues_archive_stale().archived == 0
    assert Activity.objects.count() == before


def test_small_batches_archive_every_stale_issue(project, batch_strategy):
    stale = {_idle(IssueFactory(project=project), 40).pk for _ in range(7)}

    report = issues_archive_stale(batch_size=2)

    assert _archived_ids() == stale
    assert (report.archived, report.batches) == (7, 4)


def test_a_run_that_crashes_midway_keeps_its_batches_and_the_next_run_finishes(project, monkeypatch):
    stale = {_idle(IssueFactory(project=project), 40).pk for _ in range(5)}
    real_batch = archiving._archive_batch_sql
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(archiving, "_archive_batch_sql", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        issues_archive_stale(batch_size=2)
    assert len(_archived_ids()) == 2

    monkeypatch.setattr(archiving, "_archive_batch_sql", real_batch)
    issues_archive_stale(batch_size=2)

    assert _archived_ids() == stale
    assert Activity.objects.filter(field="archived_at").count() == 5


def test_exempt_labels_are_per_project_and_case_insensitive(batch_strategy):
    keeps = ProjectFactory(key="KEEP", archive_exempt_labels=["KEEP-ME"])
    default = ProjectFactory(key="DEF")
    kept = _idle(IssueFactory(project=keeps, labels=[LabelFactory(project=keeps, name="keep-me")]), 40)
    pinned_elsewhere = _idle(IssueFactory(project=keeps, labels=[LabelFactory(project=keeps, name="pinned")]), 40)
    other_project = _idle(IssueFactory(project=default, labels=[LabelFactory(project=default, name="keep-me")]), 40)

    issues_archive_stale()

    assert _archived_ids() == {pinned_elsewhere.pk, other_project.pk}
    assert kept.pk not in _archived_ids()


def test_dry_run_reports_what_would_be_archived_and_changes_nothing(mixed):
    report = issues_archive_stale(dry_run=True)

    assert report.archived == 2
    assert sorted(report.sample) == sorted(
        Issue.objects.get(pk=pk).key for pk in (mixed["stale"].pk, mixed["stale_resolved_critical"].pk)
    )
    assert _archived_ids() == set()
    assert not Activity.objects.exists()


def test_archive_after_days_comes_from_settings(project, settings):
    settings.ARCHIVE_AFTER_DAYS = 60
    _idle(IssueFactory(project=project), 45)
    old = _idle(IssueFactory(project=project), 70)

    issues_archive_stale()

    assert _archived_ids() == {old.pk}


def test_management_command_dry_run_prints_the_count_and_keys(mixed, capsys):
    call_command("archive_stale_issues", "--dry-run")

    out = capsys.readouterr().out
    assert "would archive 2 issue(s)" in out
    assert Issue.objects.get(pk=mixed["stale"].pk).key in out
    assert _archived_ids() == set()


@pytest.mark.django_db(transaction=True)
def test_an_issue_being_edited_while_the_job_runs_is_not_archived(project):
    edited = _idle(IssueFactory(project=project), 40)
    untouched = _idle(IssueFactory(project=project), 40)
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    ) as other:
        # A concurrent edit in flight: the row is locked and its new activity time not yet committed.
        other.execute("UPDATE issues_issue SET last_activity_at = now(), updated_at = now() WHERE id = %s", [edited.pk])

        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting on the row would fail, not hang
        try:
            report = issues_archive_stale()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        other.commit()

    assert _archived_ids() == {untouched.pk}
    assert report.archived == 1
    assert issues_archive_stale().archived == 0
