"""Reads of the reviews app that are more than a one-line query."""

import logging
from functools import lru_cache

import redis
from django.conf import settings
from django.db.models import Count, F, Prefetch, Q

from issues.models import Project
from reviews.choices import FindingOutcome
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


def helpful_share_by_repository() -> list[dict]:
    """Per repository: comments posted, comments rated by staff, rated helpful, and the share."""
    rows = (
        ReviewComment.objects.values("review__pull_request__repository")
        .annotate(
            comments=Count("id"),
            rated=Count("id", filter=Q(helpful__isnull=False)),
            helpful=Count("id", filter=Q(helpful=True)),
        )
        .order_by("review__pull_request__repository")
    )
    return [
        {
            "repository": row["review__pull_request__repository"],
            "comments": row["comments"],
            "rated": row["rated"],
            "helpful": row["helpful"],
            "helpful_share": round(row["helpful"] / row["rated"], 4) if row["rated"] else None,
        }
        for row in rows
    ]


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
