"""Reads of the triage inbox: the live issues whose latest triage left something for a person.

An issue waits in the inbox while it is not archived, not resolved or closed, and
- it has open triage suggestions (a newer triage supersedes the older ones), or
- its triage failed, or
- its triage was less sure than TRIAGE_LOW_CONFIDENCE and nobody acted on the issue since
  (an edit or a comment by a person moves `last_activity_at` past `triaged_at`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from config.jobs.state import JobState
from issues.choices import FINISHED_STATUSES, SuggestionKind, SuggestionState
from issues.models import Issue, Project, TriageSuggestion

INBOX_PAGE_SIZE = 100
# The inbox counts the waiting issues up to this many (or up to the page asked for); past it the
# page says "more than", so a big backlog costs no scan of every live issue.
INBOX_COUNT_UP_TO = 1000

# The inbox's "kind" filter: the kinds of suggestion, and the two reasons an issue waits without one.
LOW_CONFIDENCE = "low_confidence"
TRIAGE_FAILED = "triage_failed"
INBOX_KINDS = (*SuggestionKind.choices, (LOW_CONFIDENCE, "Low confidence"), (TRIAGE_FAILED, "Triage failed"))


@dataclass(frozen=True)
class Age:
    key: str
    label: str
    newer_than: timedelta | None = None
    older_than: timedelta | None = None


# The "age" filter, by when the issue was created.
INBOX_AGES = (
    Age("day", "Last 24 hours", newer_than=timedelta(days=1)),
    Age("week", "Last 7 days", newer_than=timedelta(days=7)),
    Age("month", "Last 30 days", newer_than=timedelta(days=30)),
    Age("older", "Older than 30 days", older_than=timedelta(days=30)),
)
AGES_BY_KEY = {age.key: age for age in INBOX_AGES}


def open_suggestions() -> QuerySet[TriageSuggestion]:
    return TriageSuggestion.objects.filter(state=SuggestionState.OPEN)


def _low_confidence() -> Q:
    return Q(
        triage_state=JobState.DONE,
        triage_confidence__lt=settings.TRIAGE_LOW_CONFIDENCE,
        last_activity_at__lt=F("triaged_at"),
    )


def _waiting(kind: str | None) -> Q:
    if kind in SuggestionKind.values:
        return Q(pk__in=open_suggestions().filter(kind=kind).values("issue_id"))
    if kind == LOW_CONFIDENCE:
        return _low_confidence()
    if kind == TRIAGE_FAILED:
        return Q(triage_state=JobState.FAILED)
    return Q(pk__in=open_suggestions().values("issue_id")) | Q(triage_state=JobState.FAILED) | _low_confidence()


def inbox_issues(*, project_id: int | None = None, kind: str | None = None, age: str | None = None) -> QuerySet[Issue]:
    """The waiting issues, newest first, each with its project and its open suggestions
    (`open_suggestion_rows`); unknown filter values are ignored (the view offers the known ones)."""
    issues = Issue.objects.filter(archived_at__isnull=True).exclude(status__in=FINISHED_STATUSES).filter(_waiting(kind))
    if project_id is not None:
        issues = issues.filter(project_id=project_id)
    if age in AGES_BY_KEY:
        issues = issues.filter(**_age_bounds(AGES_BY_KEY[age]))
    rows = open_suggestions().order_by("kind", "id")
    return (
        issues.select_related("project")
        .defer("search_vector", "body")
        .prefetch_related(Prefetch("suggestions", queryset=rows, to_attr="open_suggestion_rows"))
        .order_by("-created_at", "-id")
    )


def _age_bounds(age: Age) -> dict:
    now = timezone.now()
    bounds = {}
    if age.newer_than is not None:
        bounds["created_at__gte"] = now - age.newer_than
    if age.older_than is not None:
        bounds["created_at__lt"] = now - age.older_than
    return bounds


def inbox_projects() -> QuerySet[Project]:
    return Project.objects.only("pk", "key", "name").order_by("key")


def is_low_confidence(issue: Issue) -> bool:
    return issue.triage_confidence is not None and issue.triage_confidence < settings.TRIAGE_LOW_CONFIDENCE


class WaitingPaginator(Paginator):
    """Pages of the inbox whose count stops a page past the one shown (at least INBOX_COUNT_UP_TO):
    `more` says the count stopped there."""

    def __init__(self, object_list, *, page_number):
        super().__init__(object_list, INBOX_PAGE_SIZE)
        self.up_to = max(INBOX_COUNT_UP_TO, (page_number + 1) * INBOX_PAGE_SIZE)

    @cached_property
    def count(self):
        return self.object_list[: self.up_to + 1].count()

    @property
    def more(self) -> bool:
        return self.count > self.up_to
