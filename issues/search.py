"""Full-text search over issues: PostgreSQL tsvector (title weighted over body), icontains elsewhere."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

SEARCH_CONFIG = "english"


def search_supported() -> bool:
    return connection.vendor == "postgresql"


def issues_search(queryset: QuerySet, text: str) -> QuerySet:
    """Issues matching `text` (web-search syntax: words, "phrases", -exclusions, or),
    annotated with `search_rank` on PostgreSQL."""
    text = text.strip()
    if not text:
        return queryset
    if not search_supported():
        return queryset.filter(Q(title__icontains=text) | Q(body__icontains=text))
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return queryset.filter(search_vector=query).annotate(search_rank=SearchRank(F("search_vector"), query))
