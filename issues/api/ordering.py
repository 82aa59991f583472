"""Ordering of issue lists: severity order for priority, search rank first when searching."""

from django.db.models import Case, IntegerField, Value, When

from config.api.strict import StrictOrderingFilter
from issues.choices import IssuePriority
from issues.search import search_supported

PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(IssuePriority.values)),
    output_field=IntegerField(),
)


class IssueOrderingFilter(StrictOrderingFilter):
    """`ordering=priority` sorts critical first; `?search=` without `ordering` sorts by rank.
    The id always breaks ties so pages never overlap."""

    def get_default_ordering(self, view):
        if view.request.query_params.get("search", "").strip() and search_supported():
            return ["-search_rank", "-created_at", "-id"]
        return super().get_default_ordering(view)

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        if any(term.lstrip("-") == "priority" for term in ordering):
            queryset = queryset.annotate(priority_rank=PRIORITY_RANK)
            ordering = [term.replace("priority", "priority_rank") for term in ordering]
        if "search_rank" in "".join(ordering) and "search_rank" not in queryset.query.annotations:
            ordering = [term for term in ordering if term.lstrip("-") != "search_rank"]
        if not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            ordering = [*ordering, "-id" if ordering[0].startswith("-") else "id"]
        return queryset.order_by(*ordering)
