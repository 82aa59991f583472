"""Issues: CRUD, comments, labels, bulk status, archive, activity, triage and plan jobs (CSV import: imports.py)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.jobs.state import JobKind
from issues.actors import Actor
from issues.api import examples
from issues.api.ordering import IssueOrderingFilter
from issues.api.permissions import IsStaff
from issues.api.serializers import (
    ActivitySerializer,
    BulkStatusResultSerializer,
    BulkStatusSerializer,
    CommentSerializer,
    IssueCreateSerializer,
    IssueDetailSerializer,
    IssueLabelsSerializer,
    IssueSerializer,
    IssueUpdateSerializer,
    JobStateSerializer,
    PlanJobSerializer,
    TriageJobSerializer,
    issue_representation,
    output_timezone,
)
from issues.api.suggestions import TriageStatsQuerySerializer, TriageStatsRowSerializer
from issues.api.views.imports import IssueImportMixin
from issues.api.views.versioned import VersionedUpdateMixin, versioned_update_schemas
from issues.filtersets import IssueFilterSet
from issues.jobs import PLAN, TRIAGE
from issues.models import Issue
from issues.selectors import (
    IssueRowList,
    activity_queryset,
    comment_queryset,
    issue_queryset,
    issue_rows_with_labels,
    project_by_ref,
    triage_stats,
)
from issues.services import (
    comment_create,
    issue_archive,
    issue_create,
    issue_set_labels,
    issue_unarchive,
    issue_update,
    issues_bulk_set_status,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input (error format, type `validation_error` or more specific)."),
    404: OpenApiResponse(description="No such issue."),
}
# How many runs GET/POST .../triage/ and .../plan/ show, newest first.
RECENT_RUNS = 10


@extend_schema_view(
    list=extend_schema(
        summary="List issues",
        description="Archived issues are hidden unless `archived=true` or `archived=any`. With `search`, "
        "results are ranked (title matches first) unless `ordering` is given.",
    ),
    retrieve=extend_schema(
        summary="Get an issue (with its latest triage and plan runs)",
        responses={200: IssueDetailSerializer, 404: ERRORS[404]},
    ),
    **versioned_update_schemas(
        "issue",
        request=IssueUpdateSerializer,
        response=IssueSerializer,
        put_example=examples.ISSUE_PUT,
        patch_example=examples.ISSUE_PATCH,
    ),
    destroy=extend_schema(summary="Delete an issue (staff)"),
)
class IssueViewSet(IssueImportMixin, VersionedUpdateMixin, viewsets.ModelViewSet):
    serializer_class = IssueSerializer
    update_serializer_class = IssueUpdateSerializer
    filterset_class = IssueFilterSet
    filter_backends = [DjangoFilterBackend, IssueOrderingFilter]
    ordering_fields = ["created_at", "updated_at", "last_activity_at", "resolved_at", "number", "priority", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return issue_queryset()

    def get_serializer_class(self):
        return IssueDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def get_permissions(self):
        if self.action in ("destroy", "activity"):
            return [IsAuthenticated(), IsStaff()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        # Filters and the hide-archived default are for lists; an archived issue stays reachable by id.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(IssueRowList(self.filter_queryset(self.get_queryset())))
        tz = output_timezone()
        return self.get_paginated_response([issue_representation(row, tz) for row in issue_rows_with_labels(rows)])

    def _actor(self) -> Actor:
        return Actor.of_user(self.request.user)

    def _issue_response(self, issue: Issue, status_code=status.HTTP_200_OK) -> Response:
        return Response(IssueSerializer(issue_queryset().get(pk=issue.pk)).data, status=status_code)

    @extend_schema(
        summary="Create an issue",
        request=IssueCreateSerializer,
        responses={201: IssueSerializer, **ERRORS},
        examples=[examples.ISSUE_CREATE, examples.ISSUE],
    )
    def create(self, request, *args, **kwargs):
        serializer = IssueCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue = issue_create(actor=self._actor(), **serializer.validated_data)
        return self._issue_response(issue, status.HTTP_201_CREATED)

    def perform_versioned_update(self, instance, **changes):
        return issue_update(issue=instance, **changes)

    def versioned_response(self, instance):
        return self._issue_response(instance)

    @extend_schema(
        methods=["GET"],
        summary="List an issue's comments",
        responses={200: CommentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment on an issue",
        request=CommentSerializer,
        responses={201: CommentSerializer, **ERRORS},
        examples=[examples.COMMENT],
    )
    @action(detail=True, methods=["get", "post"], serializer_class=CommentSerializer, filter_backends=[])
    def comments(self, request, pk=None):
        issue = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(comment_queryset(issue))
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_create(issue=issue, body=serializer.validated_data["body"], actor=self._actor())
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace all labels of an issue",
        request=IssueLabelsSerializer,
        responses={200: IssueSerializer, **ERRORS},
        examples=[examples.LABELS_PUT, examples.UNKNOWN_LABELS],
    )
    @action(detail=True, methods=["put"], serializer_class=IssueLabelsSerializer)
    def labels(self, request, pk=None):
        issue = self.get_object()
        serializer = IssueLabelsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue = issue_set_labels(
            issue=issue,
            labels=serializer.validated_data["labels"],
            create_missing=serializer.validated_data["create_missing"],
            actor=self._actor(),
        )
        return self._issue_response(issue)

    @extend_schema(
        summary="Set the status of several issues, all or none",
        request=BulkStatusSerializer,
        responses={200: BulkStatusResultSerializer, 400: ERRORS[400]},
        examples=[examples.BULK_STATUS, examples.UNKNOWN_IDS],
    )
    @action(detail=False, methods=["post"], url_path="bulk-status", serializer_class=BulkStatusSerializer)
    def bulk_status(self, request):
        serializer = BulkStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issues = issues_bulk_set_status(actor=self._actor(), **serializer.validated_data)
        return Response({"updated": [issue.pk for issue in issues], "status": serializer.validated_data["status"]})

    @extend_schema(summary="Archive an issue", request=None, responses={200: IssueSerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._issue_response(issue_archive(issue=self.get_object(), actor=self._actor()))

    @extend_schema(summary="Unarchive an issue", request=None, responses={200: IssueSerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        return self._issue_response(issue_unarchive(issue=self.get_object(), actor=self._actor()))

    @extend_schema(summary="History of an issue (staff)", responses={200: ActivitySerializer(many=True)})
    @action(detail=True, methods=["get"], serializer_class=ActivitySerializer, filter_backends=[])
    def activity(self, request, pk=None):
        issue = generics.get_object_or_404(Issue.objects.only("pk"), pk=pk)
        page = self.paginate_queryset(activity_queryset(issue=issue))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Triage state and recent runs",
        request=None,
        responses={200: TriageJobSerializer},
    )
    @extend_schema(methods=["POST"], summary="Run triage again", request=None, responses={202: TriageJobSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=TriageJobSerializer)
    def triage(self, request, pk=None):
        return self._job_response(TRIAGE, TriageJobSerializer, lambda issue: issue.triage_runs.all())

    @extend_schema(
        methods=["GET"],
        summary="Planning state and recent runs",
        request=None,
        responses={200: PlanJobSerializer},
    )
    @extend_schema(
        methods=["POST"], summary="Plan (or re-plan) the issue", request=None, responses={202: PlanJobSerializer}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=PlanJobSerializer)
    def plan(self, request, pk=None):
        return self._job_response(PLAN, PlanJobSerializer, lambda issue: issue.plan_runs.prefetch_related("tasks"))

    @extend_schema(
        summary="How triage is doing: accepted / dismissed / changed-by-hand shares per project and field",
        parameters=[TriageStatsQuerySerializer],
        responses={200: TriageStatsRowSerializer(many=True), 400: ERRORS[400]},
        examples=[examples.TRIAGE_STATS],
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="triage-stats",
        serializer_class=TriageStatsRowSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def triage_stats(self, request):
        query = TriageStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        project = query.validated_data.get("project")
        return Response(
            triage_stats(project=project_by_ref(project) if project else None, since=query.validated_data.get("since"))
        )

    def _job_response(self, job: JobKind, body: type[JobStateSerializer], runs) -> Response:
        """GET: the job's state and its recent runs. POST: (re-)request the job (unless it is
        running), then the same body with 202; the result lands on the issue and in its runs."""
        issue = generics.get_object_or_404(Issue.objects.all(), pk=self.kwargs["pk"])
        requested = False
        if self.request.method == "POST":
            requested = job.enqueue(issue.pk)
            issue.refresh_from_db()
        data = body(
            {
                "issue": issue.pk,
                "requested": requested,
                "state": getattr(issue, job.field("state")),
                "error": getattr(issue, job.field("error")),
                "attempts": getattr(issue, job.field("attempts")),
                "state_changed_at": getattr(issue, job.field("state_changed_at")),
                "finished_at": getattr(issue, job.finished_field),
                "runs": runs(issue)[:RECENT_RUNS],
            }
        ).data
        return Response(data, status=status.HTTP_202_ACCEPTED if self.request.method == "POST" else status.HTTP_200_OK)
