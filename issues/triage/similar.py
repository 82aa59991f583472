"""Selector: the open issues of a project most similar to an issue (PostgreSQL full-text search).

The issue's title and body become an OR query of their stemmed words, ranked against each
issue's search vector (title weighted over body, kept by a trigger, GIN-indexed), so a reworded
report of the same problem ranks high without an embedding service. On SQLite (embedded mode)
there is no search vector and the list is empty.
"""

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from issues.choices import IssueStatus
from issues.models import Issue

OPEN_STATUSES = (IssueStatus.OPEN, IssueStatus.IN_PROGRESS)
QUERY_TEXT_CHARS = 2000
# ts_rank normalisation 1: divide by 1 + log(document length), so long bodies do not win alone.
RANK_SQL = "ts_rank(search_vector, replace(plainto_tsquery('english', %s)::text, ' & ', ' | ')::tsquery, 1)"


def similar_open_issues(issue: Issue, *, limit: int = 5) -> QuerySet[Issue] | list[Issue]:
    if connection.vendor != "postgresql":
        return []
    text = f"{issue.title}\n{issue.body}"[:QUERY_TEXT_CHARS]
    return (
        Issue.objects.filter(project_id=issue.project_id, status__in=OPEN_STATUSES)
        .exclude(pk=issue.pk)
        .annotate(similarity=RawSQL(RANK_SQL, (text,)))
        .filter(similarity__gt=0)
        .order_by("-similarity", "-pk")[:limit]
    )
