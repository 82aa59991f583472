from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.api.errors import ApplicationError, ConflictError
from config.jobs.state import JobState
from issues.actors import AUTOMATION, GITHUB, GITHUB_SYNC, LLM, Actor
from issues.models import Activity, Issue, Label
from issues.services import (
    DuplicateIssueError,
    issue_archive,
    issue_create,
    issue_set_labels,
    issue_unarchive,
    issue_update,
    issues_bulk_set_status,
)
from issues.triage.services import RULES
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(key="WEB")


@pytest.fixture
def actor(user):
    return Actor.of_user(user)


def _reload(issue):
    return Issue.objects.get(pk=issue.pk)


def test_issue_create_numbers_issues_per_project(project, actor):
    other = ProjectFactory()
    first = issue_create(project=project, title="One", actor=actor)
    second = issue_create(project=project, title="Two", actor=actor)
    elsewhere = issue_create(project=other, title="Other", actor=actor)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert second.key == "WEB-2"


def test_issue_create_records_activity_and_enqueues_triage_on_commit(
    project, actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        issue = issue_create(project=project, title="Broken login", actor=actor)

    assert len(callbacks) == 1
    created = Activity.objects.get(issue=issue)
    assert (created.field, created.actor, created.new_value["key"]) == ("created", actor.user, "WEB-1")
    assert _reload(issue).triage_state == JobState.PENDING


def test_issue_create_attaches_labels_by_name_case_insensitively(project, actor):
    bug = LabelFactory(project=project, name="Bug")

    issue = issue_create(project=project, title="x", labels=["bug"], actor=actor)

    assert list(issue.labels.all()) == [bug]


def test_issue_create_with_unknown_labels_names_them_and_creates_nothing(project, actor):
    with pytest.raises(ApplicationError) as caught:
        issue_create(project=project, title="x", labels=["nope", "also-nope"], actor=actor)

    assert caught.value.type == "unknown_labels"
    assert caught.value.extra["labels"] == ["nope", "also-nope"]
    assert not Issue.objects.exists()
    project.refresh_from_db()
    assert project.issue_counter == 0


def test_issue_create_can_create_missing_labels(project, actor):
    issue = issue_create(project=project, title="x", labels=["ui"], create_missing_labels=True, actor=actor)

    assert [label.name for label in issue.labels.all()] == ["ui"]


def test_issue_create_rejects_unknown_enum_values(project, actor):
    with pytest.raises(ValidationError) as caught:
        issue_create(project=project, title="x", status="bogus", actor=actor)

    assert "status" in caught.value.message_dict
    assert not Issue.objects.exists()


def test_issue_create_sets_resolved_at_for_a_finished_status(project, actor):
    issue = issue_create(project=project, title="x", status="closed", actor=actor)

    assert issue.resolved_at is not None


def test_duplicate_external_id_raises_with_the_existing_issue_and_leaves_no_gap(project, actor):
    first = issue_create(project=project, title="x", source="jira", external_id="J-1", actor=actor)

    with pytest.raises(DuplicateIssueError) as caught:
        issue_create(project=project, title="again", source="jira", external_id="J-1", actor=actor)

    assert caught.value.issue.pk == first.pk
    assert issue_create(project=project, title="next", actor=actor).number == 2


def test_issue_update_changes_fields_bumps_version_and_records_each_change(project, actor):
    issue = issue_create(project=project, title="Old", actor=actor)

    updated = issue_update(issue=issue, version=1, actor=actor, title="New", priority="high")

    stored = _reload(issue)
    assert (stored.title, stored.priority, stored.version) == ("New", "high", 2)
    assert updated.version == 2
    changes = {
        (a.field, a.old_value, a.new_value) for a in Activity.objects.filter(issue=issue).exclude(field="created")
    }
    assert changes == {("title", "Old", "New"), ("priority", "medium", "high")}


def test_issue_update_with_a_stale_version_conflicts_and_changes_nothing(project, actor):
    issue = issue_create(project=project, title="Old", actor=actor)
    issue_update(issue=issue, version=1, actor=actor, title="Newer")

    with pytest.raises(ConflictError) as caught:
        issue_update(issue=issue, version=1, actor=actor, title="Lost")

    assert caught.value.extra == {"current_version": 2}
    assert _reload(issue).title == "Newer"


def test_issue_update_without_version_applies_to_the_current_version(project, actor):
    issue = issue_create(project=project, title="Old", actor=actor)
    issue_update(issue=issue, version=1, actor=actor, title="Newer")

    issue_update(issue=issue, version=None, actor=AUTOMATION, status="in_progress")

    assert (_reload(issue).status, _reload(issue).version) == ("in_progress", 3)


def test_issue_update_with_no_actual_change_keeps_the_version(project, actor):
    issue = issue_create(project=project, title="Same", actor=actor)

    issue_update(issue=issue, version=1, actor=AUTOMATION, title="Same")

    assert _reload(issue).version == 1


def test_resolving_sets_resolved_at_and_reopening_clears_it(project, actor):
    issue = issue_create(project=project, title="x", actor=actor)

    issue_update(issue=issue, version=1, actor=actor, status="resolved")
    assert _reload(issue).resolved_at is not None

    issue_update(issue=issue, version=2, actor=actor, status="open")
    assert _reload(issue).resolved_at is None


def test_a_user_setting_priority_marks_it_human_but_the_llm_does_not(project, actor):
    issue = issue_create(project=project, title="x", actor=actor)

    issue_update(issue=issue, version=None, actor=LLM, priority="low", type="docs")
    after_llm = _reload(issue)
    issue_update(issue=issue, version=None, actor=actor, priority="high")
    after_user = _reload(issue)

    assert (after_llm.priority_set_by_human, after_llm.type_set_by_human) == (False, False)
    assert (after_user.priority_set_by_human, after_user.type_set_by_human) == (True, False)


def test_only_a_change_by_a_user_marks_the_summary_as_theirs(project, actor):
    issue = issue_create(project=project, title="x", actor=actor)

    issue_update(issue=issue, version=None, actor=LLM, summary="From the LLM.")
    after_llm = _reload(issue)
    issue_update(issue=issue, version=None, actor=actor, summary="From the LLM.", priority="high")
    after_same_text = _reload(issue)
    issue_update(issue=issue, version=None, actor=actor, summary="Mine.")

    assert after_llm.summary_set_by_human is False
    assert (after_same_text.summary_set_by_human, after_same_text.priority_set_by_human) == (False, True)
    assert _reload(issue).summary_set_by_human is True


def test_issue_update_unarchives_and_moves_last_activity(project, actor):
    issue = IssueFactory(project=project, archived_at=timezone.now())
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=timezone.now() - timedelta(days=90))

    issue_update(issue=issue, version=None, actor=actor, body="more detail")

    stored = _reload(issue)
    assert stored.archived_at is None
    assert stored.last_activity_at > timezone.now() - timedelta(minutes=1)


def _archived_long_ago(issue: Issue) -> Issue:
    long_ago = timezone.now() - timedelta(days=90)
    Issue.objects.filter(pk=issue.pk).update(archived_at=long_ago, last_activity_at=long_ago)
    return _reload(issue)


@pytest.mark.parametrize("automation", [LLM, RULES, AUTOMATION, GITHUB_SYNC], ids=lambda actor: actor.name)
def test_an_update_by_automation_is_not_activity(project, automation):
    issue = _archived_long_ago(IssueFactory(project=project))

    issue_update(issue=issue, version=None, actor=automation, summary="Written by automation.")

    stored = _reload(issue)
    assert stored.summary == "Written by automation."
    assert (stored.archived_at, stored.last_activity_at) == (issue.archived_at, issue.last_activity_at)
    assert stored.updated_at > timezone.now() - timedelta(minutes=1)


def test_an_update_by_a_person_on_github_is_activity(project):
    issue = _archived_long_ago(IssueFactory(project=project))

    issue_update(issue=issue, version=None, actor=GITHUB, body="More from the reporter.")

    assert _reload(issue).archived_at is None


def test_a_reopen_by_automation_is_activity(project):
    issue = _archived_long_ago(IssueFactory(project=project, status="closed"))

    issue_update(issue=issue, version=None, actor=AUTOMATION, status="open")

    stored = _reload(issue)
    assert stored.archived_at is None
    assert stored.last_activity_at > timezone.now() - timedelta(minutes=1)


def test_bulk_status_by_automation_unarchives_the_reopened_issues_only(project):
    closed = _archived_long_ago(IssueFactory(project=project, status="closed"))
    in_progress = _archived_long_ago(IssueFactory(project=project, status="in_progress"))

    issues_bulk_set_status(ids=[closed.pk, in_progress.pk], status="open", actor=AUTOMATION)

    assert _reload(closed).archived_at is None
    assert (_reload(in_progress).status, _reload(in_progress).archived_at) == ("open", in_progress.archived_at)


def test_issue_update_rejects_read_only_fields(project, actor):
    issue = IssueFactory(project=project)

    with pytest.raises(ApplicationError) as caught:
        issue_update(issue=issue, version=None, actor=actor, number=99)

    assert caught.value.type == "validation_error"
    assert _reload(issue).number == issue.number


def test_issue_update_rejects_an_assignee_that_is_not_a_user(project, actor):
    issue = IssueFactory(project=project)

    with pytest.raises(ValidationError):
        issue_update(issue=issue, version=None, actor=actor, assignee="alice")


def test_issue_update_records_assignee_by_username(project, actor):
    issue = IssueFactory(project=project)
    alice = UserFactory(username="alice")

    issue_update(issue=issue, version=None, actor=actor, assignee=alice)

    change = Activity.objects.get(issue=issue, field="assignee")
    assert (change.old_value, change.new_value) == (None, "alice")


def test_issue_set_labels_replaces_all_labels_and_bumps_version(project, actor):
    old = LabelFactory(project=project, name="old")
    new = LabelFactory(project=project, name="new")
    issue = IssueFactory(project=project, labels=[old])

    issue_set_labels(issue=issue, labels=["new"], actor=actor)

    stored = _reload(issue)
    assert list(stored.labels.all()) == [new]
    assert stored.version == 2
    assert Activity.objects.get(issue=issue, field="labels").new_value == ["new"]


def test_issue_set_labels_with_unknown_names_keeps_the_old_labels(project, actor):
    old = LabelFactory(project=project, name="old")
    issue = IssueFactory(project=project, labels=[old])

    with pytest.raises(ApplicationError) as caught:
        issue_set_labels(issue=issue, labels=["old", "ghost"], actor=actor)

    assert caught.value.extra["labels"] == ["ghost"]
    assert list(_reload(issue).labels.all()) == [old]


def test_issue_set_labels_create_missing_makes_the_label_once(project, actor):
    first = IssueFactory(project=project)
    second = IssueFactory(project=project)

    issue_set_labels(issue=first, labels=["Needs-Info"], actor=actor, create_missing=True)
    issue_set_labels(issue=second, labels=["needs-info"], actor=actor, create_missing=True)

    assert Label.objects.filter(project=project).count() == 1


def test_bulk_status_changes_every_issue_and_records_activity(project, actor):
    issues = IssueFactory.create_batch(3, project=project)

    issues_bulk_set_status(ids=[i.pk for i in issues], status="resolved", actor=actor)

    stored = Issue.objects.filter(pk__in=[i.pk for i in issues])
    assert {(i.status, i.version, i.resolved_at is not None) for i in stored} == {("resolved", 2, True)}
    assert Activity.objects.filter(field="status", new_value="resolved").count() == 3


def test_bulk_status_with_an_unknown_id_names_it_and_changes_nothing(project, actor):
    issue = IssueFactory(project=project)

    with pytest.raises(ApplicationError) as caught:
        issues_bulk_set_status(ids=[issue.pk, 999999], status="closed", actor=actor)

    assert (caught.value.type, caught.value.extra["ids"]) == ("unknown_ids", [999999])
    assert _reload(issue).status == "open"


def test_bulk_status_keeps_resolved_at_of_already_finished_issues(project, actor):
    earlier = timezone.now() - timedelta(days=3)
    closed = IssueFactory(project=project, status="closed", resolved_at=earlier)

    issues_bulk_set_status(ids=[closed.pk], status="resolved", actor=actor)

    assert _reload(closed).resolved_at == earlier


def test_archive_then_unarchive_records_both_and_archive_is_idempotent(project, actor):
    issue = IssueFactory(project=project)

    issue_archive(issue=issue, actor=AUTOMATION)
    issue_archive(issue=issue, actor=AUTOMATION)
    assert _reload(issue).archived_at is not None

    issue_unarchive(issue=issue, actor=actor)
    assert _reload(issue).archived_at is None
    assert Activity.objects.filter(issue=issue, field="archived_at").count() == 2
