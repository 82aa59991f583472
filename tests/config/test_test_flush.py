"""The tests' own `flush` (tests/dbflush): what a transactional test leaves is deleted, rows that
point at each other included, and what post_migrate makes is there again afterwards."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command, get_commands

from issues.models import Comment, Issue, Project
from tests.issues.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_flush_deletes_every_row_a_test_left_and_keeps_what_post_migrate_makes():
    assert get_commands()["flush"] == "tests.dbflush"
    CommentFactory()  # a comment, its issue, its project and their user: a chain of foreign keys
    permissions = Permission.objects.count()

    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)

    assert (Comment.objects.count(), Issue.objects.count(), Project.objects.count()) == (0, 0, 0)
    assert Permission.objects.count() == permissions
    assert Group.objects.filter(name="Triage staff", permissions__isnull=False).exists()
