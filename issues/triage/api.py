"""`/api/issues/{id}/triage/` and `/api/issues/{id}/plan/`: a job's state and its runs.

POST (re-)requests the job and answers 202 with its state; GET answers the same body. The
result lands on the issue (type, priority, labels, summary, tasks) and in the run history.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.jobs.state import JobKind
from issues.api.serializers import IssueSerializer
from issues.jobs import PLAN, TRIAGE
from issues.models import Issue, PlanRun, TriageRun

RECENT_RUNS = 10


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
    """One issue with its latest triage and plan runs (the full history: GET .../triage/, .../plan/)."""

    latest_triage = TriageRunSerializer(allow_null=True, read_only=True)
    latest_plan = PlanRunSerializer(allow_null=True, read_only=True)

    class Meta(IssueSerializer.Meta):
        fields = [*IssueSerializer.Meta.fields, "latest_triage", "latest_plan"]
        read_only_fields = fields

    def to_representation(self, issue):
        data = super().to_representation(issue)
        triage = issue.triage_runs.first()
        plan = issue.plan_runs.prefetch_related("tasks").first()
        data["latest_triage"] = TriageRunSerializer(triage).data if triage else None
        data["latest_plan"] = PlanRunSerializer(plan).data if plan else None
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


class _IssueJobView(APIView):
    job: JobKind
    body_serializer: type[JobStateSerializer]

    def _runs(self, issue):
        raise NotImplementedError

    def _body(self, issue: Issue, *, requested: bool) -> dict:
        issue.refresh_from_db()
        field = self.job.field
        return self.body_serializer(
            {
                "issue": issue.pk,
                "requested": requested,
                "state": getattr(issue, field("state")),
                "error": getattr(issue, field("error")),
                "attempts": getattr(issue, field("attempts")),
                "state_changed_at": getattr(issue, field("state_changed_at")),
                "finished_at": getattr(issue, self.job.finished_field),
                "runs": self._runs(issue)[:RECENT_RUNS],
            }
        ).data

    def get(self, request, pk: int):
        return Response(self._body(get_object_or_404(Issue, pk=pk), requested=False))

    def post(self, request, pk: int):
        issue = get_object_or_404(Issue, pk=pk)
        requested = self.job.enqueue(issue.pk)
        return Response(self._body(issue, requested=requested), status=status.HTTP_202_ACCEPTED)


class IssueTriageView(_IssueJobView):
    job = TRIAGE
    body_serializer = TriageJobSerializer

    def _runs(self, issue):
        return issue.triage_runs.all()

    @extend_schema(request=None, responses={200: TriageJobSerializer}, summary="Triage state and recent runs")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=None, responses={202: TriageJobSerializer}, summary="Run triage again")
    def post(self, request, pk: int):
        return super().post(request, pk)


class IssuePlanView(_IssueJobView):
    job = PLAN
    body_serializer = PlanJobSerializer

    def _runs(self, issue):
        return issue.plan_runs.prefetch_related("tasks")

    @extend_schema(request=None, responses={200: PlanJobSerializer}, summary="Planning state and recent runs")
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(request=None, responses={202: PlanJobSerializer}, summary="Plan (or re-plan) the issue")
    def post(self, request, pk: int):
        return super().post(request, pk)
