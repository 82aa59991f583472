"""API filters of the issue tracker (django-filter); every filter has an index (issues/models.py).

A project or user that does not exist is a 400 naming the parameter, not an empty list: a
misspelt `?assignee=` must not look like "nobody has issues"."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django_filters import FilterSet
from rest_framework.exceptions import ValidationError

from issues.choices import IssuePriority, IssueStatus, IssueType, TaskStatus
from issues.models import Issue, Label, Project, Task
from issues.search import issues_search

ARCHIVED_CHOICES = (("false", "not archived (default)"), ("true", "archived only"), ("any", "both"))


def _project_q(value: str, name: str = "project") -> Q:
    value = value.strip()
    lookup = {"pk": int(value)} if value.isdigit() else {"key": value.upper()}
    project_id = Project.objects.filter(**lookup).values_list("pk", flat=True).first()
    if project_id is None:
        raise ValidationError({name: [f"No project {value!r}."]})
    return Q(project_id=project_id)


class IssueFilterSet(FilterSet):
    project = django_filters.CharFilter(method="filter_project", help_text="Project id or key (e.g. WEB).")
    status = django_filters.MultipleChoiceFilter(
        choices=IssueStatus.choices, distinct=False, help_text="Repeat for any of several."
    )
    priority = django_filters.MultipleChoiceFilter(choices=IssuePriority.choices, distinct=False)
    type = django_filters.MultipleChoiceFilter(choices=IssueType.choices, distinct=False)
    label = django_filters.CharFilter(
        method="filter_label", help_text="Label name (case-insensitive); repeat to require several."
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text='User id or username; "none" for unassigned issues.'
    )
    archived = django_filters.ChoiceFilter(
        choices=ARCHIVED_CHOICES,
        method="filter_archived",
        help_text="Archived issues are hidden unless archived=true (only them) or archived=any.",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Full-text search over title (weighted higher) and body."
    )

    class Meta:
        model = Issue
        fields = ["project", "status", "priority", "type", "label", "assignee", "archived", "search"]

    def filter_project(self, queryset, name, value):
        return queryset.filter(_project_q(value))

    def filter_label(self, queryset, name, value):
        # Every `label` parameter must match (repeated parameters reach us one by one only for the
        # last value, so read the whole list from the query string).
        names = self.data.getlist("label") if hasattr(self.data, "getlist") else [value]
        through = Issue.labels.through
        for label in {n.strip().lower() for n in names if n.strip()}:
            labelled = through.objects.filter(
                issue_id=OuterRef("pk"), label__in=Label.objects.filter(name__iexact=label)
            )
            queryset = queryset.filter(Exists(labelled))
        return queryset

    def filter_assignee(self, queryset, name, value):
        value = value.strip()
        if value.lower() == "none":
            return queryset.filter(assignee__isnull=True)
        lookup = {"pk": int(value)} if value.isdigit() else {"username": value}
        user_id = get_user_model().objects.filter(**lookup).values_list("pk", flat=True).first()
        if user_id is None:
            raise ValidationError({name: [f"No user {value!r}."]})
        return queryset.filter(assignee_id=user_id)

    def filter_archived(self, queryset, name, value):
        if value == "true":
            return queryset.filter(archived_at__isnull=False)
        if value == "false":
            return queryset.filter(archived_at__isnull=True)
        return queryset

    def filter_search(self, queryset, name, value):
        return issues_search(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("archived"):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset


class ProjectFilterSet(FilterSet):
    class Meta:
        model = Project
        fields = ["key", "github_repo"]


class LabelFilterSet(FilterSet):
    project = django_filters.CharFilter(method="filter_project", help_text="Project id or key.")
    name = django_filters.CharFilter(field_name="name", lookup_expr="iexact")

    class Meta:
        model = Label
        fields = ["project", "name"]

    def filter_project(self, queryset, name, value):
        return queryset.filter(_project_q(value))


class TaskFilterSet(FilterSet):
    project = django_filters.CharFilter(method="filter_project", help_text="Project id or key.")
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, distinct=False)
    issue = django_filters.NumberFilter(field_name="issue_id")

    class Meta:
        model = Task
        fields = ["project", "status", "issue"]

    def filter_project(self, queryset, name, value):
        return queryset.filter(_project_q(value))
