import pytest

from issues.actors import LLM, Actor
from issues.choices import ActorType
from issues.services import activity_record
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db


def test_activity_record_stores_actor_and_json_values(user):
    issue = IssueFactory()

    activity = activity_record(actor=Actor.of_user(user), field="priority", old="low", new="high", issue=issue)

    activity.refresh_from_db()
    assert (activity.actor_type, activity.actor, activity.actor_name) == (ActorType.USER, user, user.username)
    assert (activity.old_value, activity.new_value) == ("low", "high")


def test_activity_record_for_the_llm_has_no_user():
    activity = activity_record(actor=LLM, field="summary", old="", new="Crash on save", issue=IssueFactory())

    assert (activity.actor_type, activity.actor, activity.actor_name) == (ActorType.LLM, None, "llm")
