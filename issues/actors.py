"""Who or what makes a change: recorded in the activity history of issues and tasks."""

from dataclasses import dataclass

from issues.choices import ActorType


@dataclass(frozen=True)
class Actor:
    type: ActorType
    user: object | None = None  # a User for ActorType.USER
    name: str = ""

    @classmethod
    def of_user(cls, user) -> "Actor":
        return cls(ActorType.USER, user=user, name=user.get_username())


LLM = Actor(ActorType.LLM, name="llm")
AUTOMATION = Actor(ActorType.AUTOMATION, name="beat")
GITHUB = Actor(ActorType.GITHUB, name="github")
SYSTEM = Actor(ActorType.SYSTEM, name="system")


# Changes made by these are automation, not activity: they neither unarchive an issue nor move
# its `last_activity_at` (the archiving clock).
AUTOMATED_ACTOR_TYPES = frozenset({ActorType.LLM, ActorType.AUTOMATION})


def counts_as_activity(actor: Actor) -> bool:
    return actor.type not in AUTOMATED_ACTOR_TYPES
