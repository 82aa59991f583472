from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from issues.actors import GITHUB, GITHUB_SYNC, LLM, Actor
from issues.models import Activity, Comment, Issue
from issues.services import comment_create, comment_update_from_source
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db


def test_comment_by_a_user_has_the_user_as_author(user):
    issue = IssueFactory()

    comment = comment_create(issue=issue, body="Seen it too", actor=Actor.of_user(user))

    assert (comment.author, comment.author_name, comment.body) == (user, "", "Seen it too")


def test_comment_from_github_keeps_the_outside_author_name():
    issue = IssueFactory()

    comment = comment_create(issue=issue, body="+1", actor=GITHUB, author_name="octocat", external_id="c1")

    assert (comment.author, comment.author_name) == (None, "octocat")


def test_comment_moves_last_activity_and_unarchives(user):
    issue = IssueFactory(archived_at=timezone.now())
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=timezone.now() - timedelta(days=60))

    comment_create(issue=issue, body="still happening", actor=Actor.of_user(user))

    stored = Issue.objects.get(pk=issue.pk)
    assert stored.archived_at is None
    assert stored.last_activity_at > timezone.now() - timedelta(minutes=1)
    assert Activity.objects.filter(issue=issue, field="archived_at", new_value__isnull=True).exists()


@pytest.mark.parametrize("automation", [LLM, GITHUB_SYNC], ids=lambda actor: actor.name)
def test_a_comment_by_automation_neither_unarchives_nor_moves_last_activity(automation):
    long_ago = timezone.now() - timedelta(days=60)
    issue = IssueFactory()
    Issue.objects.filter(pk=issue.pk).update(archived_at=long_ago, last_activity_at=long_ago)

    comment_create(issue=issue, body="Automated note", actor=automation)

    stored = Issue.objects.get(pk=issue.pk)
    assert (stored.archived_at, stored.last_activity_at) == (long_ago, long_ago)
    assert Comment.objects.filter(issue=issue).count() == 1


def test_an_edit_from_github_older_than_the_one_applied_changes_nothing():
    issue = IssueFactory()
    now = timezone.now()
    comment_create(issue=issue, body="v1", actor=GITHUB, external_id="c1", source_updated_at=now)
    comment_update_from_source(issue=issue, external_id="c1", body="v3", actor=GITHUB, source_updated_at=now)

    _comment, changed = comment_update_from_source(
        issue=issue, external_id="c1", body="v2", actor=GITHUB, source_updated_at=now - timedelta(seconds=5)
    )

    assert changed is False
    assert Comment.objects.get(issue=issue).body == "v3"


def test_comment_does_not_bump_the_issue_version(user):
    issue = IssueFactory()

    comment_create(issue=issue, body="hello", actor=Actor.of_user(user))

    assert Issue.objects.get(pk=issue.pk).version == 1


def test_comment_with_a_known_external_id_is_not_added_twice():
    issue = IssueFactory()

    first = comment_create(issue=issue, body="+1", actor=GITHUB, author_name="octocat", external_id="c1")
    again = comment_create(issue=issue, body="+1", actor=GITHUB, author_name="octocat", external_id="c1")

    assert again.pk == first.pk
    assert Comment.objects.count() == 1


def test_blank_comment_is_rejected(user):
    with pytest.raises(ValidationError):
        comment_create(issue=IssueFactory(), body="", actor=Actor.of_user(user))
    assert not Comment.objects.exists()
