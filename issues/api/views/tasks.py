from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from issues.actors import Actor
from issues.api import examples
from issues.api.permissions import IsStaff
from issues.api.serializers import ActivitySerializer, TaskCreateSerializer, TaskSerializer, TaskUpdateSerializer
from issues.api.views.versioned import VersionedUpdateMixin, versioned_update_schemas
from issues.filtersets import TaskFilterSet
from issues.models import Task
from issues.selectors import activity_queryset
from issues.services import task_create, task_update


@extend_schema_view(
    list=extend_schema(summary="List tasks"),
    retrieve=extend_schema(summary="Get a task"),
    **versioned_update_schemas(
        "task",
        request=TaskUpdateSerializer,
        response=TaskSerializer,
        put_example=examples.TASK_PATCH,
        patch_example=examples.TASK_PATCH,
    ),
    destroy=extend_schema(summary="Delete a task"),
)
class TaskViewSet(VersionedUpdateMixin, viewsets.ModelViewSet):
    """Tasks of a project, optionally made from an issue; versioned like issues."""

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    update_serializer_class = TaskUpdateSerializer
    filterset_class = TaskFilterSet
    ordering_fields = ["order", "priority", "created_at", "updated_at", "status"]
    ordering = ["project_id", "order", "id"]

    def get_permissions(self):
        if self.action == "activity":
            return [IsAuthenticated(), IsStaff()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(
        summary="Create a task",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, 400: OpenApiResponse(description="Invalid input.")},
        examples=[examples.TASK_CREATE],
    )
    def create(self, request, *args, **kwargs):
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_create(actor=Actor.of_user(request.user), **serializer.validated_data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    def perform_versioned_update(self, instance, **changes):
        return task_update(task=instance, **changes)

    @extend_schema(summary="History of a task (staff)", responses={200: ActivitySerializer(many=True)})
    @action(detail=True, methods=["get"], serializer_class=ActivitySerializer, filter_backends=[])
    def activity(self, request, pk=None):
        task = self.get_object()
        page = self.paginate_queryset(activity_queryset(task=task))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)
