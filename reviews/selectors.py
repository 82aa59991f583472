"""Reads of the reviews app that are more than a one-line query."""

import logging
from functools import lru_cache

import redis
from django.conf import settings
from django.db.models import Count, F, Prefetch, Q

from issues.models import Project
from reviews.choices import Category, FindingOutcome, Severity
from reviews.models import PullRequest, RepositorySettings, Review, ReviewComment

logger = logging.getLogger(__name__)


def project_for_repository(repository: str) -> Project | None:
    if not repository:
        return None
    return Project.objects.filter(github_repo__iexact=repository).first()


def repository_settings(project: Project | None) -> RepositorySettings:
    """The project's review settings, or unsaved defaults when staff never set any."""
    if project is not None:
        found = RepositorySettings.objects.filter(project=project).first()
        if found is not None:
            return found
    return RepositorySettings(project=project, max_files=settings.REVIEW_MAX_FILES)


def pull_request_list():
    comments = ReviewComment.objects.order_by("path", "line", "id")
    reviews = Review.objects.order_by("-created_at", "-id").prefetch_related(Prefetch("comments", queryset=comments))
    return PullRequest.objects.prefetch_related(Prefetch("reviews", queryset=reviews)).order_by("-updated_at", "-id")


FINDING_COUNTS = ("posted", "helpful", "dismissed")


def _zero_counts() -> dict:
    return dict.fromkeys(FINDING_COUNTS, 0)


def review_stats_by_repository() -> list[dict]:
    """Per repository, in one query: staff's ratings (comments, rated, helpful, helpful_share),
    and the findings posted to GitHub with how many were found helpful or dismissed (`outcome`),
    in total, by category and by severity (every category and severity present, zeros included)."""
    posted = Q(review__posted_at__isnull=False)
    rows = (
        ReviewComment.objects.values("review__pull_request__repository", "category", "severity")
        .annotate(
            comments=Count("id"),
            rated=Count("id", filter=Q(helpful__isnull=False)),
            rated_helpful=Count("id", filter=Q(helpful=True)),
            posted=Count("id", filter=posted),
            helpful=Count("id", filter=posted & Q(outcome=FindingOutcome.HELPFUL)),
            dismissed=Count("id", filter=posted & Q(outcome=FindingOutcome.DISMISSED)),
        )
        .order_by("review__pull_request__repository")
    )
    stats: dict[str, dict] = {}
    for row in rows:
        repository = row["review__pull_request__repository"]
        entry = stats.setdefault(
            repository,
            {
                "repository": repository,
                "comments": 0,
                "rated": 0,
                "helpful": 0,
                "findings": _zero_counts(),
                "by_category": {category: _zero_counts() for category in Category.values},
                "by_severity": {severity: _zero_counts() for severity in Severity.values},
            },
        )
        entry["comments"] += row["comments"]
        entry["rated"] += row["rated"]
        entry["helpful"] += row["rated_helpful"]
        for name in FINDING_COUNTS:
            entry["findings"][name] += row[name]
            entry["by_category"].setdefault(row["category"], _zero_counts())[name] += row[name]
            entry["by_severity"].setdefault(row["severity"], _zero_counts())[name] += row[name]
    for entry in stats.values():
        entry["helpful_share"] = round(entry["helpful"] / entry["rated"], 4) if entry["rated"] else None
    return list(stats.values())


def unwanted_categories(repository: str, *, limit: int = 3, at_least: int = 2) -> list[str]:
    """The finding categories the repository's maintainers dismiss most: dismissed at least
    `at_least` times and more often than found helpful; shown to the LLM as unwanted."""
    rows = (
        ReviewComment.objects.filter(review__pull_request__repository__iexact=repository)
        .exclude(outcome=FindingOutcome.NONE)
        .values("category")
        .annotate(
            dismissed=Count("id", filter=Q(outcome=FindingOutcome.DISMISSED)),
            helpful=Count("id", filter=Q(outcome=FindingOutcome.HELPFUL)),
        )
        .filter(dismissed__gte=at_least, dismissed__gt=F("helpful"))
        .order_by("-dismissed", "category")
    )
    return [row["category"] for row in rows[:limit]]


@lru_cache(maxsize=2)
def _broker(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def llm_queue_backlog() -> int | None:
    """Messages waiting on the `llm` queue (Redis LLEN); None when the broker is not Redis or
    does not answer (the check fails open, like the API's throttles)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        return int(_broker(url).llen("llm"))
    except redis.RedisError as exc:
        logger.warning("llm queue backlog unknown, broker unavailable: %s", exc)
        return None
