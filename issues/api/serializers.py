"""Representations of projects, labels, issues, comments, tasks and activity."""

from datetime import UTC

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.strict import StrictSerializerMixin
from issues.api.suggestions import TriageSuggestionSerializer
from issues.choices import IssuePriority, IssueStatus, IssueType, TaskStatus
from issues.fields import API_FIELDS, CREATE_FIELDS, EDITABLE_FIELDS
from issues.models import Activity, Comment, Issue, Label, PlanRun, Project, Task, TriageRun
from issues.selectors import ISSUE_ROW_FIELDS

# GitHub's own limit for issue and comment bodies.
BODY_MAX_CHARS = 65_536
LABELS_MAX = 50


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "Project id or key."})
class ProjectRefField(serializers.RelatedField):
    """A project by id (5 or "5") or by key ("WEB", any case)."""

    default_error_messages = {
        "does_not_exist": "Project {value} does not exist.",
        "invalid": "Give a project id or key.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Project.objects.all())
        kwargs.setdefault("help_text", "Project id or key.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip():
            self.fail("invalid")
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() else {"key": text.upper()}
        project = self.get_queryset().filter(**lookup).first()
        if project is None:
            self.fail("does_not_exist", value=data)
        return project

    def to_representation(self, value):
        return value.pk


class ProjectSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    ignored_fields = frozenset({"id", "created_at", "updated_at"})

    class Meta:
        model = Project
        fields = [
            "id",
            "key",
            "name",
            "description",
            "github_repo",
            "archive_exempt_labels",
            "triage_may_create_labels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_archive_exempt_labels(self, value):
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise serializers.ValidationError("A list of label names.")
        return value


class LabelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    ignored_fields = frozenset({"id", "created_at"})

    class Meta:
        model = Label
        fields = ["id", "project", "name", "colour", "description", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate(self, attrs):
        project = attrs.get("project") or getattr(self.instance, "project", None)
        name = attrs.get("name") or getattr(self.instance, "name", "")
        clash = Label.objects.annotate(lower_name=Lower("name")).filter(project=project, lower_name=name.lower())
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"name": ["This project already has a label with this name."]})
        return attrs


class LabelNamesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=50), max_length=LABELS_MAX, allow_empty=True, **kwargs)


class IssueSerializer(serializers.ModelSerializer):
    """An issue as read; writes go through IssueCreateSerializer / IssueUpdateSerializer."""

    project_key = serializers.CharField(source="project.key", read_only=True)
    assignee_username = serializers.CharField(source="assignee.username", read_only=True, default=None)
    labels = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = list(API_FIELDS)
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_labels(self, issue) -> list[str]:
        return _label_names(issue)

    def to_representation(self, issue):
        # Lists render up to 100 issues of 33 fields: building the dict directly is several
        # times faster than DRF's field-by-field walk. The output is the same (tested).
        return issue_representation(issue_row(issue))


# Where each field of the JSON is in a row: a column by its attname (project: project_id), the
# others by their name (project_key, assignee_username); key and labels are made from the row.
_ATTNAMES = {field.name: field.attname for field in Issue._meta.concrete_fields}
_ROW_KEYS = tuple((name, _ATTNAMES.get(name, name)) for name in API_FIELDS)
_DATETIME_FIELDS = tuple(
    name for name in API_FIELDS if name in _ATTNAMES and isinstance(Issue._meta.get_field(name), models.DateTimeField)
)


def issue_row(issue: Issue) -> dict:
    """The flat values an issue's representation is made of (what `issue_rows` selects)."""
    row = {name: getattr(issue, name) for name in ISSUE_ROW_FIELDS}
    row["project_key"] = issue.project.key
    row["assignee_username"] = issue.assignee.username if issue.assignee_id else None
    names = getattr(issue, "label_names", None)
    row["label_names"] = names if names is not None else [label.name for label in issue.labels.all()]
    return row


def output_timezone():
    """The current time zone, as the very object PostgreSQL's timestamps arrive in when it is
    UTC, so rendering them needs no conversion (a third of the cost of each of 700 a page)."""
    tz = timezone.get_current_timezone()
    return UTC if getattr(tz, "key", None) == "UTC" else tz


def issue_representation(row: dict, tz=None) -> dict:
    """`tz`: from output_timezone(), looked up once per page rather than per field."""
    tz = tz or output_timezone()
    data = {name: row.get(key) for name, key in _ROW_KEYS}
    data["key"] = f"{row['project_key']}-{row['number']}"
    data["labels"] = sorted(row["label_names"] or ())
    for name in _DATETIME_FIELDS:
        data[name] = _datetime(data[name], tz)
    return data


def _label_names(issue) -> list[str]:
    names = getattr(issue, "label_names", None)
    if names is None:
        names = [label.name for label in issue.labels.all()]
    return sorted(names)


def _datetime(value, tz):
    """As DRF's DateTimeField renders it: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = (value if value.tzinfo is tz else value.astimezone(tz)).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# The detail view adds the latest triage and plan runs, the latest triage's suggestions and the
# issues marked duplicates of this one (IssueDetailSerializer).
ISSUE_READ_FIELDS = frozenset(IssueSerializer.Meta.fields) | {
    "latest_triage",
    "latest_plan",
    "suggestions",
    "duplicates",
}


# The create and update serializers take their fields from issues/fields.py: a field declared
# below keeps its API limits, any other is made from the model. (Comments, not docstrings: those
# are the OpenAPI descriptions.)
class IssueCreateSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    project = ProjectRefField()
    title = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True, required=False, default="")
    status = serializers.ChoiceField(choices=IssueStatus.choices, default=IssueStatus.OPEN)
    # No default: whether the key was sent decides who owns the value (issue_create).
    priority = serializers.ChoiceField(
        choices=IssuePriority.choices,
        required=False,
        help_text="Given (even `medium`), it is yours: triage only suggests another. Left out: "
        "`medium` until triage sets it.",
    )
    type = serializers.ChoiceField(
        choices=IssueType.choices,
        required=False,
        help_text="Given (even `bug`), it is yours: triage only suggests another. Left out: "
        "`bug` until triage sets it.",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False, default=None
    )
    reporter = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    labels = LabelNamesField(required=False, default=list)
    create_missing_labels = serializers.BooleanField(
        default=False, help_text="Create labels that do not exist yet instead of answering 400."
    )

    class Meta:
        model = Issue
        fields = [*CREATE_FIELDS, "labels", "create_missing_labels"]


class IssueUpdateSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """PUT needs every editable field, PATCH any of them; both need the `version` they read."""

    ignored_fields = ISSUE_READ_FIELDS - {"version"}

    version = serializers.IntegerField(min_value=1, help_text="The version you read; 409 if it is stale.")
    title = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True)
    status = serializers.ChoiceField(choices=IssueStatus.choices)
    priority = serializers.ChoiceField(choices=IssuePriority.choices)
    type = serializers.ChoiceField(choices=IssueType.choices)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )
    reporter = serializers.CharField(max_length=200, allow_blank=True, required=False)
    summary = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True, required=False)
    labels = LabelNamesField(required=False)

    class Meta:
        model = Issue
        fields = ["version", *EDITABLE_FIELDS, "labels"]

    def validate(self, attrs):
        if "version" not in attrs:
            raise serializers.ValidationError({"version": ["This field is required."]})
        return attrs


class IssueLabelsSerializer(StrictSerializerMixin, serializers.Serializer):
    labels = LabelNamesField()
    create_missing = serializers.BooleanField(default=False, help_text="Create unknown labels instead of 400.")


class BulkStatusSerializer(StrictSerializerMixin, serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)
    status = serializers.ChoiceField(choices=IssueStatus.choices)


class BulkStatusResultSerializer(serializers.Serializer):
    updated = serializers.ListField(child=serializers.IntegerField())
    status = serializers.CharField()


class CommentSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    ignored_fields = frozenset({"id", "issue", "author", "author_username", "created_at", "updated_at"})
    author_username = serializers.CharField(source="author.username", read_only=True, default=None)
    body = serializers.CharField(max_length=BODY_MAX_CHARS)

    class Meta:
        model = Comment
        fields = ["id", "issue", "author", "author_username", "author_name", "body", "external_id", "created_at"]
        read_only_fields = ["id", "issue", "author", "author_name", "external_id", "created_at"]


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "issue",
            "title",
            "description",
            "status",
            "priority",
            "estimated_hours",
            "order",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.all(), allow_null=True, required=False)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True, required=False, default="")
    status = serializers.ChoiceField(choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = serializers.IntegerField(min_value=1, max_value=5, default=3, help_text="1 (highest) to 5 (lowest).")
    estimated_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, allow_null=True, required=False, default=None
    )
    order = serializers.IntegerField(min_value=0, required=False, help_text="Default: after the last task.")


class TaskUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    ignored_fields = frozenset(TaskSerializer.Meta.fields) - {"version"}

    version = serializers.IntegerField(min_value=1, help_text="The version you read; 409 if it is stale.")
    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.all(), allow_null=True, required=False)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    priority = serializers.IntegerField(min_value=1, max_value=5)
    estimated_hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, allow_null=True)
    order = serializers.IntegerField(min_value=0)

    def validate(self, attrs):
        if "version" not in attrs:
            raise serializers.ValidationError({"version": ["This field is required."]})
        return attrs


class ActivitySerializer(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = Activity
        fields = [
            "id",
            "issue",
            "task",
            "actor_type",
            "actor",
            "actor_username",
            "actor_name",
            "field",
            "old_value",
            "new_value",
            "created_at",
        ]
        read_only_fields = fields


# --- Triage and planning: runs, the issue detail, the job state of GET/POST .../triage/, .../plan/


class TriageRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = TriageRun
        fields = ["id", "engine", "note", "llm_call", "cached", "result", "applied", "suggestions", "created_at"]
        read_only_fields = fields


class PlanRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanRun
        fields = [
            "id",
            "llm_call",
            "cached",
            "tasks",
            "risks",
            "kept_task_ids",
            "replaced_count",
            "result",
            "created_at",
        ]
        read_only_fields = fields


class IssueDetailSerializer(IssueSerializer):
    """One issue with its latest triage and plan runs (the full history: GET .../triage/, .../plan/),
    the suggestions of its latest triage with their state, and the issues marked its duplicates."""

    latest_triage = TriageRunSerializer(allow_null=True, read_only=True)
    latest_plan = PlanRunSerializer(allow_null=True, read_only=True)
    suggestions = TriageSuggestionSerializer(many=True, read_only=True)
    duplicates = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Ids of the issues marked duplicates of this one."
    )

    class Meta(IssueSerializer.Meta):
        fields = [*IssueSerializer.Meta.fields, "latest_triage", "latest_plan", "suggestions", "duplicates"]
        read_only_fields = fields

    def to_representation(self, issue):
        data = super().to_representation(issue)
        triage = issue.triage_runs.first()
        plan = issue.plan_runs.prefetch_related("tasks").first()
        data["latest_triage"] = TriageRunSerializer(triage).data if triage else None
        data["latest_plan"] = PlanRunSerializer(plan).data if plan else None
        suggestions = triage.suggestion_rows.select_related("decided_by").order_by("id") if triage else ()
        data["suggestions"] = TriageSuggestionSerializer(suggestions, many=True).data
        data["duplicates"] = list(issue.duplicates.order_by("id").values_list("id", flat=True))
        return data


class JobStateSerializer(serializers.Serializer):
    issue = serializers.IntegerField()
    requested = serializers.BooleanField(help_text="False when the job was already running.")
    state = serializers.CharField()
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    state_changed_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class TriageJobSerializer(JobStateSerializer):
    runs = TriageRunSerializer(many=True)


class PlanJobSerializer(JobStateSerializer):
    runs = PlanRunSerializer(many=True)
