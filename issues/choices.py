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
