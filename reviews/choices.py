"""Enumerations of the reviews app (lower-case strings, like every enumeration of the API)."""

from django.db import models


class PullRequestState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    MERGED = "merged", "Merged"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class Category(models.TextChoices):
    BUG = "bug", "Bug"
    SECURITY = "security", "Security"
    PERFORMANCE = "performance", "Performance"
    MAINTAINABILITY = "maintainability", "Maintainability"
    STYLE = "style", "Style"
    TESTS = "tests", "Tests"
    DOCS = "docs", "Docs"


class FindingOutcome(models.TextChoices):
    """What people made of a posted finding (reactions, resolved threads, staff)."""

    NONE = "", "No reaction yet"
    HELPFUL = "helpful", "Helpful"
    DISMISSED = "dismissed", "Dismissed"


class ReviewMode(models.TextChoices):
    """How much of the pull request a review looked at."""

    FULL = "full", "Full (the whole diff)"
    INCREMENTAL = "incremental", "Incremental (changed since the last reviewed head)"


class Side(models.TextChoices):
    RIGHT = "RIGHT", "Right (new file)"
    LEFT = "LEFT", "Left (old file)"


class ReviewTrigger(models.TextChoices):
    OPENED = "opened", "Opened"
    REOPENED = "reopened", "Reopened"
    SYNCHRONIZE = "synchronize", "New commits"
    READY_FOR_REVIEW = "ready_for_review", "Ready for review"
    COMMAND = "command", "/review command"
    STAFF = "staff", "Re-run by staff"


class SkipReason(models.TextChoices):
    """Why a changed file of a pull request was not sent for review."""

    REMOVED = "removed", "File removed"
    BINARY = "binary", "Binary or no textual diff"
    LOCK_FILE = "lock_file", "Lock file"
    VENDORED = "vendored", "Vendored or generated"
    IGNORED = "ignored", "Matches a repository ignore glob"
    NOT_INCLUDED = "not_included", "Outside the repository's include globs"
    TOO_LARGE = "too_large", "A single line over the per-call size"
    BUDGET = "budget", "Over the review's token budget (smaller or less risky change)"
    FILE_CAP = "file_cap", "Over the file cap (smaller change)"


class TriageWriteback(models.TextChoices):
    """What the triage of a linked repository's issues writes back to GitHub."""

    OFF = "off", "Nothing"
    LABELS = "labels", "Labels only"
    LABELS_AND_COMMENT = "labels_and_comment", "Labels and the triage comment"


# GitHub's author_association values allowed to ask for a review with `/review`.
REVIEW_COMMAND_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
