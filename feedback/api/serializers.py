from django.conf import settings
from rest_framework import serializers

from config.api.strict import StrictSerializerMixin
from feedback.models import Adjustment, Feedback
from issues.api.serializers import ProjectRefField
from issues.models import Task


class FeedbackCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    project = ProjectRefField()
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "Task {pk_value} does not exist."},
    )
    text = serializers.CharField(max_length=settings.FEEDBACK_MAX_CHARS)
    author_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    author_email = serializers.EmailField(required=False, allow_blank=True)

    def validate(self, attrs):
        task = attrs.get("task")
        if task is not None and task.project_id != attrs["project"].pk:
            raise serializers.ValidationError({"task": f"Task {task.pk} does not belong to this project."})
        return attrs


class AdjustmentSerializer(serializers.ModelSerializer):
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    project = serializers.IntegerField(source="feedback.project_id", read_only=True)

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "feedback",
            "project",
            "task",
            "type",
            "state",
            "description",
            "original_value",
            "proposed_value",
            "reasoning",
            "task_version",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "forced",
            "created_task",
            "created_at",
        ]
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    project_key = serializers.CharField(source="project.key", read_only=True)
    adjustments = AdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = Feedback
        fields = [
            "id",
            "project",
            "project_key",
            "task",
            "author_name",
            "author_email",
            "text",
            "state",
            "error",
            "attempts",
            "summary",
            "dropped_count",
            "llm_call",
            "created_at",
            "state_changed_at",
            "processed_at",
            "adjustments",
        ]
        read_only_fields = fields


class ApplySerializer(StrictSerializerMixin, serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Apply even if the task changed since the adjustment was proposed."
    )


class RejectSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StatsRowSerializer(serializers.Serializer):
    proposed = serializers.IntegerField()
    applied = serializers.IntegerField()
    rejected = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="applied / (applied + rejected)")


class TypeStatsSerializer(StatsRowSerializer):
    type = serializers.CharField()


class ProjectStatsSerializer(StatsRowSerializer):
    project = serializers.IntegerField()
    project_key = serializers.CharField()


class StatsSerializer(serializers.Serializer):
    overall = StatsRowSerializer()
    by_type = TypeStatsSerializer(many=True)
    by_project = ProjectStatsSerializer(many=True)
