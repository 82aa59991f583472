from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from feedback import selectors, services
from feedback.api.serializers import (
    AdjustmentSerializer,
    ApplySerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    RejectSerializer,
    StatsSerializer,
)
from feedback.filtersets import AdjustmentFilterSet, FeedbackFilterSet
from issues.actors import Actor


class FeedbackViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Feedback on a project's plan; processing proposes adjustments a person applies or rejects."""

    queryset = selectors.feedback_queryset()
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilterSet
    ordering_fields = ["created_at", "processed_at", "id"]

    @extend_schema(request=FeedbackCreateSerializer, responses={202: FeedbackSerializer})
    def create(self, request, *args, **kwargs):
        serializer = FeedbackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.feedback_create(**serializer.validated_data, submitted_by=request.user)
        body = FeedbackSerializer(self.get_queryset().get(pk=feedback.pk)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: FeedbackSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def rerun(self, request, pk=None):
        """Staff: queue failed feedback again."""
        feedback = services.feedback_rerun(feedback=self.get_object())
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=StatsSerializer)
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def stats(self, request):
        """Acceptance rate (applied / decided) per adjustment type and per project; `?project=` narrows it."""
        project = request.query_params.get("project")
        project_id = int(project) if project and project.isdigit() else None
        return Response(StatsSerializer(selectors.adjustment_stats(project_id=project_id)).data)


class CanDecideAdjustment(BasePermission):
    """Applying or rejecting an adjustment: staff, or users with `feedback.decide_adjustment`."""

    message = "Deciding adjustments needs staff or the decide_adjustment permission."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or user.has_perm("feedback.decide_adjustment")))


class AdjustmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.adjustment_queryset()
    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilterSet

    @extend_schema(request=ApplySerializer, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideAdjustment])
    def apply(self, request, pk=None):
        """Apply to the plan; 409 `version_conflict` if the task changed since (unless `force`), 409
        `already_decided` if it was applied or rejected before."""
        source = request.data if hasattr(request.data, "get") and "force" in request.data else request.query_params
        params = ApplySerializer(data={"force": source.get("force", False)})
        params.is_valid(raise_exception=True)
        adjustment = services.adjustment_apply(
            adjustment=self.get_object(), actor=Actor.of_user(request.user), force=params.validated_data["force"]
        )
        return Response(AdjustmentSerializer(adjustment).data)

    @extend_schema(request=RejectSerializer, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideAdjustment])
    def reject(self, request, pk=None):
        """Reject, with an optional reason the LLM will see as an example of what not to propose."""
        params = RejectSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        adjustment = services.adjustment_reject(
            adjustment=self.get_object(), actor=Actor.of_user(request.user), reason=params.validated_data["reason"]
        )
        return Response(AdjustmentSerializer(adjustment).data)
