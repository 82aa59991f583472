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

    @property
    def is_activity(self) -> bool:
        """Whether a change by this actor is activity: it unarchives the issue and restarts its
        archiving clock (`last_activity_at`). People are activity, automation is not."""
        return self.type in ACTIVITY_ACTOR_TYPES


# The one place that decides what counts as activity: people in the app, people on GitHub (a
# delivery whose sender is a person) and outside systems reporting for people. The LLM, the
# rules, beat jobs, the system and the GitHub sync of our own writes (GITHUB_SYNC) are not.
ACTIVITY_ACTOR_TYPES = frozenset({ActorType.USER, ActorType.GITHUB, ActorType.INTEGRATION})


LLM = Actor(ActorType.LLM, name="llm")
AUTOMATION = Actor(ActorType.AUTOMATION, name="beat")
GITHUB = Actor(ActorType.GITHUB, name="github")  # a person on GitHub
# A delivery caused by a bot (our App's own writes coming back, or another App): not activity.
GITHUB_SYNC = Actor(ActorType.AUTOMATION, name="github-sync")
SYSTEM = Actor(ActorType.SYSTEM, name="system")
