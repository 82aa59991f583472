"""Reads behind the dashboard: daily figures of the last days, and the job queues now.

Each series is one aggregate query, grouped by day in SQL (TruncDate in the current time zone)
over a range of an indexed column; days without rows are filled in by the caller, never queried.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from config.jobs.state import JOB_KINDS, JobKind, JobState
from issues.models import Issue
from issues.selectors import triage_stats
from issues.suggestions.stats import STATS_FIELDS
from llm.choices import Outcome
from llm.models import LLMCall
from reviews.choices import FindingOutcome
from reviews.models import Review, ReviewComment

DASHBOARD_DAYS = 30
# The job states shown "now": work waiting, under way, or given up on.
QUEUE_STATES = (JobState.PENDING, JobState.RUNNING, JobState.FAILED)

# triage_stats' counts: `applied` (by triage) includes `changed_by_hand`; the others are suggestions.
DECISION_COUNTS = ("applied", "changed_by_hand", "accepted", "dismissed")

Daily = dict[date, dict]  # day -> that day's figures; days with nothing are absent


@dataclass(frozen=True)
class Window:
    """Whole days, `first` to `last` included, in the current time zone."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min), timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=len(self.days))

    def bounds(self, column: str) -> dict:
        return {f"{column}__gte": self.start, f"{column}__lt": self.end}


def last_days(days: int = DASHBOARD_DAYS, *, today: date | None = None) -> Window:
    last = today or timezone.localdate()
    return Window(first=last - timedelta(days=days - 1), last=last)


def _per_day(queryset, column: str, window: Window, **figures) -> Daily:
    rows = (
        queryset.filter(**window.bounds(column))
        .annotate(day=TruncDate(column))
        .values("day")
        .annotate(**figures)
        .order_by("day")
    )
    return {row.pop("day"): row for row in rows}


def issues_per_day(*, window: Window) -> dict[str, Daily]:
    """Issues opened, triaged (their triage last finished that day) and archived, per day."""
    return {
        "opened": _per_day(Issue.objects.all(), "created_at", window, count=Count("id")),
        "triaged": _per_day(Issue.objects.filter(triage_state=JobState.DONE), "triaged_at", window, count=Count("id")),
        "archived": _per_day(Issue.objects.all(), "archived_at", window, count=Count("id")),
    }


def triage_decisions(*, window: Window) -> dict[str, dict[str, int]]:
    """Per field (priority, type, labels, duplicates), all projects together: triage's decisions
    since the window's start by what people made of them (issues.selectors.triage_stats)."""
    totals = {field: dict.fromkeys(DECISION_COUNTS, 0) for field in STATS_FIELDS}
    for row in triage_stats(since=window.start):
        for count in DECISION_COUNTS:
            totals[row["field"]][count] += row[count]
    return totals


def llm_per_day(*, window: Window) -> Daily:
    """LLM calls (cache hits included), cache hits and cost in USD, per day, from the ledger."""
    return _per_day(
        LLMCall.objects.all(),
        "created_at",
        window,
        calls=Count("id"),
        cache_hits=Count("id", filter=Q(outcome=Outcome.CACHE_HIT)),
        cost_usd=Sum("cost_usd"),
    )


def reviews_per_day(*, window: Window) -> Daily:
    """Pull request reviews posted to GitHub, per day."""
    return _per_day(Review.objects.all(), "posted_at", window, count=Count("id"))


def findings_per_day(*, window: Window) -> Daily:
    """Review findings people found helpful or dismissed, per day of that verdict."""
    return _per_day(
        ReviewComment.objects.exclude(outcome=FindingOutcome.NONE),
        "outcome_at",
        window,
        helpful=Count("id", filter=Q(outcome=FindingOutcome.HELPFUL)),
        dismissed=Count("id", filter=Q(outcome=FindingOutcome.DISMISSED)),
    )


def jobs_now() -> list[tuple[JobKind, dict[str, int]]]:
    """Every registered job kind with its pending / running / failed counts: one query (a UNION
    of one grouped count per kind, each on the kind's indexed state column)."""
    if not JOB_KINDS:
        return []
    counts = [
        kind.model._default_manager.order_by()
        .filter(**{f"{kind.field('state')}__in": QUEUE_STATES})
        .values(job_state=F(kind.field("state")))
        .annotate(kind_index=Value(index), count=Count("pk"))
        .values_list("kind_index", "job_state", "count")
        for index, kind in enumerate(JOB_KINDS)
    ]
    by_kind = [{state.value: 0 for state in QUEUE_STATES} for _ in JOB_KINDS]
    for kind_index, job_state, count in counts[0].union(*counts[1:], all=True):
        by_kind[kind_index][job_state] = count
    return list(zip(JOB_KINDS, by_kind, strict=True))
