"""Concurrent writers on real, separate database connections (one per thread)."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import F

from config.api.errors import ConflictError
from issues.actors import SYSTEM, Actor
from issues.models import Issue, Project, Task
from issues.services import DuplicateIssueError, issue_create, issue_update, task_update
from tests.issues.factories import IssueFactory, ProjectFactory, TaskFactory
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(count, work):
    """Run work(i) in `count` threads released at once; returns results and exceptions by i."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_creates_get_distinct_gap_free_numbers():
    project = ProjectFactory()

    outcomes = _run_together(8, lambda i: issue_create(project=project, title=f"issue {i}", actor=SYSTEM).number)

    assert sorted(outcomes) == list(range(1, 9))
    assert Project.objects.get(pk=project.pk).issue_counter == 8


def test_concurrent_duplicate_creates_make_one_issue_and_leave_no_gap():
    project = ProjectFactory()

    outcomes = _run_together(
        4, lambda i: issue_create(project=project, title="dup", source="jira", external_id="J-7", actor=SYSTEM)
    )

    assert sum(isinstance(outcome, Issue) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, DuplicateIssueError) for outcome in outcomes) == 3
    assert issue_create(project=project, title="next", actor=SYSTEM).number == 2


def test_concurrent_issue_updates_with_the_same_version_have_exactly_one_winner(user):
    issue = IssueFactory()
    actor = Actor.of_user(user)

    outcomes = _run_together(4, lambda i: issue_update(issue=issue, version=1, actor=actor, title=f"writer {i}"))

    winners = [outcome for outcome in outcomes if isinstance(outcome, Issue)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, ConflictError)]
    assert (len(winners), len(losers)) == (1, 3)
    assert {loser.extra["current_version"] for loser in losers} == {2}
    stored = Issue.objects.get(pk=issue.pk)
    assert (stored.title, stored.version) == (winners[0].title, 2)


def test_concurrent_task_updates_with_the_same_version_have_exactly_one_winner(user):
    task = TaskFactory()
    actor = Actor.of_user(user)

    outcomes = _run_together(4, lambda i: task_update(task=task, version=1, actor=actor, title=f"writer {i}"))

    assert sum(isinstance(outcome, Task) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, ConflictError) for outcome in outcomes) == 3
    assert Task.objects.get(pk=task.pk).version == 2


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_an_update_waiting_on_an_uncommitted_writer_conflicts_once_that_writer_commits(user):
    issue = IssueFactory(title="original")
    holding, release = threading.Event(), threading.Event()
    outcome = {}

    def other_writer():
        try:
            with transaction.atomic():
                Issue.objects.filter(pk=issue.pk).update(title="other writer", version=F("version") + 1)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def service_writer():
        try:
            outcome["result"] = issue_update(issue=issue, version=1, actor=Actor.of_user(user), title="mine")
        except ConflictError as exc:
            outcome["result"] = exc
        finally:
            connections.close_all()

    holder = threading.Thread(target=other_writer)
    holder.start()
    holding.wait(10)
    writer = threading.Thread(target=service_writer)
    writer.start()
    wait_for(_waiting_on_a_lock, timeout=10)
    release.set()
    holder.join(10)
    writer.join(10)

    assert isinstance(outcome["result"], ConflictError)
    assert outcome["result"].extra == {"current_version": 2}
    assert Issue.objects.get(pk=issue.pk).title == "other writer"


def test_concurrent_deliveries_of_one_event_make_one_issue():
    from issues.services.events import event_ingest

    project = ProjectFactory()

    outcomes = _run_together(
        4,
        lambda i: event_ingest(project=project, source="zendesk", external_id="77", title="Same event", actor=SYSTEM),
    )

    assert sorted(outcome.created for outcome in outcomes) == [False, False, False, True]
    assert len({outcome.issue.pk for outcome in outcomes}) == 1
    assert Issue.objects.count() == 1


def test_concurrent_imports_of_one_file_create_each_row_once():
    import io

    from issues.services.imports import issues_import_csv

    project = ProjectFactory()
    content = b"title,external_id\nOne,E-1\nTwo,E-2\nThree,E-3\n"

    reports = _run_together(3, lambda i: issues_import_csv(project=project, stream=io.BytesIO(content), actor=SYSTEM))

    assert sorted(len(report.created) for report in reports) == [0, 0, 3]
    assert sorted(Issue.objects.values_list("number", flat=True)) == [1, 2, 3]
