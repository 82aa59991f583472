"""The append-only activity history of issues and tasks."""

from datetime import datetime
from decimal import Decimal

from django.db import models

from issues.actors import Actor
from issues.models import Activity


def activity_value(value):
    """A field value as stored in the history (JSON): users by username, rows by str()."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return value.get_username()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {str(key): activity_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [activity_value(item) for item in value]
    return str(value)


def is_activity(*, actor: Actor, reopened: bool = False) -> bool:
    """Whether a change counts as activity: it unarchives the issue and restarts its archiving
    clock (`last_activity_at`). A person's change does (the actor decides: `Actor.is_activity`),
    and so does a reopen by anyone; the LLM, the rules, beat jobs and the sync of our own writes
    coming back from GitHub do not."""
    return actor.is_activity or reopened


def activity_build(*, actor: Actor, field: str, old, new, issue=None, task=None) -> Activity:
    return Activity(
        issue=issue,
        task=task,
        actor_type=actor.type,
        actor=actor.user,
        actor_name=actor.name[:200],
        field=field,
        old_value=activity_value(old),
        new_value=activity_value(new),
    )


def activity_record(*, actor: Actor, field: str, old, new, issue=None, task=None) -> Activity:
    activity = activity_build(actor=actor, field=field, old=old, new=new, issue=issue, task=task)
    activity.save()
    return activity
