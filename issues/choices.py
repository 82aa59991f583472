"""Enumerations of the issues app: lower-case strings, a contract with API clients (never renamed)."""

from django.db import models


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# Statuses in which an issue counts as finished (resolved_at is set).
FINISHED_STATUSES = (IssueStatus.RESOLVED, IssueStatus.CLOSED)


class IssuePriority(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class IssueType(models.TextChoices):
    BUG = "bug", "Bug"
    FEATURE = "feature", "Feature"
    QUESTION = "question", "Question"
    DOCS = "docs", "Docs"
    CHORE = "chore", "Chore"


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ActorType(models.TextChoices):
    """Who or what made a change recorded in the activity history."""

    USER = "user", "User"
    LLM = "llm", "LLM"
    AUTOMATION = "automation", "Automation (beat job)"
    GITHUB = "github", "GitHub"
    INTEGRATION = "integration", "Integration"
    SYSTEM = "system", "System"


class SuggestionKind(models.TextChoices):
    """What a triage suggestion proposes (its `value`: {"label": name}, {"priority": v},
    {"type": v}, {"number": n, "issue_id": id, "reason": text}, {"question": text})."""

    LABEL = "label", "Label"
    PRIORITY = "priority", "Priority"
    TYPE = "type", "Type"
    DUPLICATE = "duplicate", "Duplicate"
    QUESTION = "question", "Question for the reporter"


class SuggestionState(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
    SUPERSEDED = "superseded", "Superseded"  # a newer triage replaced it


# States a person decided (the others: still open, or replaced by a newer triage).
DECIDED_SUGGESTION_STATES = (SuggestionState.ACCEPTED, SuggestionState.DISMISSED)
