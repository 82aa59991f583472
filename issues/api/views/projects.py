from django.db import IntegrityError
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from config.api.errors import ApplicationError
from issues.api.permissions import CanDeleteProject
from issues.api.serializers import LabelSerializer, ProjectSerializer
from issues.filtersets import LabelFilterSet, ProjectFilterSet
from issues.models import Label, Project

PROJECT_EXAMPLE = OpenApiExample(
    "Project",
    value={"key": "WEB", "name": "Web shop", "description": "Customer-facing site", "github_repo": "acme/web"},
    request_only=True,
)
LABEL_EXAMPLE = OpenApiExample(
    "Label", value={"project": 1, "name": "bug", "colour": "#d73a4a", "description": "Something is broken"}
)


class _SaveGuard:
    """A unique value taken by a concurrent request between validation and insert."""

    def _save(self, serializer):
        try:
            serializer.save()
        except IntegrityError:
            raise ApplicationError("That name or key is already taken.", type="duplicate", status_code=409)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)


@extend_schema_view(
    create=extend_schema(examples=[PROJECT_EXAMPLE]),
    update=extend_schema(examples=[PROJECT_EXAMPLE]),
    partial_update=extend_schema(examples=[PROJECT_EXAMPLE]),
)
class ProjectViewSet(_SaveGuard, viewsets.ModelViewSet):
    """Projects: `key` appears in issue keys (WEB-42); `github_repo` links one repository."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["key", "name", "created_at"]
    ordering = ["key"]

    def get_permissions(self):
        if self.action == "destroy":
            return [IsAuthenticated(), CanDeleteProject()]
        return super().get_permissions()


@extend_schema_view(
    create=extend_schema(examples=[LABEL_EXAMPLE]),
    update=extend_schema(examples=[LABEL_EXAMPLE]),
)
class LabelViewSet(_SaveGuard, viewsets.ModelViewSet):
    """Labels of a project; names are unique per project, case-insensitively."""

    queryset = Label.objects.all()
    serializer_class = LabelSerializer
    filterset_class = LabelFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["project_id", "name"]
