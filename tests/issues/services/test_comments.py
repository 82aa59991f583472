from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from issues.actors import GITHUB, Actor
from issues.models import Activity, Comment, Issue
from issues.services import comment_create
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
