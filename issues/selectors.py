"""Non-trivial reads of the issue tracker: list querysets and reports."""

import statistics
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    QuerySet,
)

from config.api.errors import ApplicationError
from issues.fields import API_FIELDS
from issues.models import Activity, Comment, Issue, Project
from issues.suggestions.stats import triage_stats  # noqa: F401  (the selectors of the issues app, in one place)


def project_by_ref(value) -> Project:
    """A project by id or key; an unknown one is a 400 `unknown_project`."""
    value = str(value).strip()
    lookup = {"pk": int(value)} if value.isdigit() else {"key": value.upper()}
    project = Project.objects.filter(**lookup).first()
    if project is None:
        raise ApplicationError(f"No project {value!r}.", type="unknown_project")
    return project


def issue_queryset() -> QuerySet:
    """Issues with everything their representation needs, in one query on PostgreSQL (label
    names as an array subquery; elsewhere a prefetch, so two)."""
    queryset = (
        Issue.objects.select_related("project", "assignee")
        .defer("search_vector")
        .defer(*_deferred("project", Project, keep={"id", "key"}))
        .defer(*_deferred("assignee", get_user_model(), keep={"id", "username"}))
    )
    if connection.vendor != "postgresql":
        return queryset.prefetch_related("labels")
    names = Issue.labels.through.objects.filter(issue_id=OuterRef("pk")).order_by("label__name").values("label__name")
    return queryset.annotate(label_names=ArraySubquery(names))


def _columns(names) -> tuple[str, ...]:
    """The model columns among `names`, as attnames (project: project_id)."""
    columns = {field.name: field.attname for field in Issue._meta.concrete_fields}
    return tuple(columns[name] for name in names if name in columns)


# The issue columns a list row carries: those of the API (issues/fields.py); the API's other
# fields are made from project_key, assignee_username and label_names (issue_rows).
ISSUE_ROW_FIELDS = _columns(API_FIELDS)


def issue_rows(queryset: QuerySet) -> QuerySet:
    """`queryset` (from issue_queryset, filtered and ordered) as flat dicts: lists skip building
    three model instances per issue."""
    extra = ["label_names"] if "label_names" in queryset.query.annotations else []
    return queryset.values(
        *ISSUE_ROW_FIELDS, *extra, project_key=F("project__key"), assignee_username=F("assignee__username")
    )


class IssueRowList:
    """What the paginator pages over: counts on the model queryset (whose COUNT(*) leaves the
    label subquery and joins out) and slices into row dicts (`issue_rows`). Counting a values()
    queryset would evaluate the label subquery for every matching issue."""

    ordered = True

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return list(issue_rows(self.queryset)[item])


def issue_rows_with_labels(rows: list[dict]) -> list[dict]:
    """Fill `label_names` where the database could not (no ArraySubquery outside PostgreSQL)."""
    missing = [row for row in rows if "label_names" not in row]
    if missing:
        names: dict[int, list[str]] = {row["id"]: [] for row in missing}
        pairs = Issue.labels.through.objects.filter(issue_id__in=names).values_list("issue_id", "label__name")
        for issue_id, name in pairs:
            names[issue_id].append(name)
        for row in missing:
            row["label_names"] = names[row["id"]]
    return rows


def _deferred(relation: str, model, *, keep: set[str]) -> list[str]:
    return [f"{relation}__{field.attname}" for field in model._meta.concrete_fields if field.attname not in keep]


def comment_queryset(issue: Issue) -> QuerySet:
    return Comment.objects.filter(issue=issue).select_related("author")


def activity_queryset(**subject) -> QuerySet:
    return Activity.objects.filter(**subject).select_related("actor")


def _resolved(*, project: Project | None, since: datetime | None, until: datetime | None) -> QuerySet:
    queryset = Issue.objects.filter(resolved_at__isnull=False)
    if project is not None:
        queryset = queryset.filter(project=project)
    if since is not None:
        queryset = queryset.filter(resolved_at__gte=since)
    if until is not None:
        queryset = queryset.filter(resolved_at__lt=until)
    return queryset


def report_top_assignees(
    *, limit: int = 10, project: Project | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Assignees by number of issues resolved (resolved_at in [since, until)), most first."""
    rows = (
        _resolved(project=project, since=since, until=until)
        .filter(assignee__isnull=False)
        .values("assignee_id", username=F("assignee__username"))
        .annotate(resolved=Count("id"))
        .order_by("-resolved", "username")[:limit]
    )
    return [{"assignee": row["assignee_id"], "username": row["username"], "resolved": row["resolved"]} for row in rows]


class _EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class _Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def report_resolution_time(
    *, project: Project | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Per assignee (None: unassigned): issues resolved and their mean and median time from
    creation to resolution, in seconds; slowest mean first. Computed by PostgreSQL."""
    resolved = _resolved(project=project, since=since, until=until)
    duration = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    if connection.vendor != "postgresql":
        return _resolution_time_in_python(resolved)
    rows = (
        resolved.values("assignee_id", username=F("assignee__username"))
        .annotate(
            resolved=Count("id"),
            mean_seconds=Avg(_EpochSeconds(duration)),
            median_seconds=_Median(_EpochSeconds(duration)),
        )
        .order_by("-mean_seconds", "username")
    )
    return [_resolution_row(row) for row in rows]


def _resolution_row(row: dict) -> dict:
    return {
        "assignee": row["assignee_id"],
        "username": row["username"],
        "resolved": row["resolved"],
        "mean_seconds": round(row["mean_seconds"], 3),
        "median_seconds": round(row["median_seconds"], 3),
        "mean_hours": round(row["mean_seconds"] / 3600, 3),
        "median_hours": round(row["median_seconds"] / 3600, 3),
    }


def _resolution_time_in_python(resolved: QuerySet) -> list[dict]:
    """Embedded mode (SQLite has no percentile_cont): the same figures, computed here."""
    groups: dict[tuple, list[float]] = {}
    for assignee_id, username, created, finished in resolved.values_list(
        "assignee_id", "assignee__username", "created_at", "resolved_at"
    ):
        groups.setdefault((assignee_id, username), []).append((finished - created).total_seconds())
    rows = [
        {
            "assignee_id": assignee_id,
            "username": username,
            "resolved": len(seconds),
            "mean_seconds": statistics.fmean(seconds),
            "median_seconds": statistics.median(seconds),
        }
        for (assignee_id, username), seconds in groups.items()
    ]
    rows.sort(key=lambda row: (-row["mean_seconds"], row["username"] or ""))
    return [_resolution_row(row) for row in rows]
