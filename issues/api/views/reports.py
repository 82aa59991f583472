"""Reports computed by the database: top assignees, resolution time."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from issues.api import examples
from issues.selectors import project_by_ref, report_resolution_time, report_top_assignees


class ReportQuerySerializer(serializers.Serializer):
    project = serializers.CharField(required=False, help_text="Project id or key.")
    since = serializers.DateTimeField(required=False, help_text="Resolved at or after (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Resolved before (ISO 8601).")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after `since`."]})
        return attrs


class TopAssigneesQuerySerializer(ReportQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)


class TopAssigneeSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()
    username = serializers.CharField()
    resolved = serializers.IntegerField()


class ResolutionTimeSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True, help_text="null: unassigned issues.")
    username = serializers.CharField(allow_null=True)
    resolved = serializers.IntegerField()
    mean_seconds = serializers.FloatField()
    median_seconds = serializers.FloatField()
    mean_hours = serializers.FloatField()
    median_hours = serializers.FloatField()


def _filters(query: serializers.Serializer) -> dict:
    data = query.validated_data
    return {
        "project": project_by_ref(data["project"]) if data.get("project") else None,
        "since": data.get("since"),
        "until": data.get("until"),
    }


class ReportViewSet(viewsets.GenericViewSet):
    pagination_class = None
    filter_backends = []
    serializer_class = TopAssigneeSerializer

    @extend_schema(
        summary="Assignees with the most resolved issues",
        parameters=[TopAssigneesQuerySerializer],
        responses={200: TopAssigneeSerializer(many=True)},
        examples=[examples.TOP_ASSIGNEES],
    )
    @action(detail=False, methods=["get"], url_path="top-assignees")
    def top_assignees(self, request):
        query = TopAssigneesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(report_top_assignees(limit=query.validated_data["limit"], **_filters(query)))

    @extend_schema(
        summary="Mean and median resolution time per assignee",
        parameters=[ReportQuerySerializer],
        responses={200: ResolutionTimeSerializer(many=True)},
        examples=[examples.RESOLUTION_TIME],
    )
    @action(detail=False, methods=["get"], url_path="resolution-time", serializer_class=ResolutionTimeSerializer)
    def resolution_time(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(report_resolution_time(**_filters(query)))
