"""POST /api/events/: an issue from another system, idempotent on (source, id)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from config.api.strict import TextOrIntegerField
from issues.actors import Actor
from issues.api import examples
from issues.api.serializers import BODY_MAX_CHARS, IssueSerializer
from issues.api.strict import StrictSerializerMixin
from issues.choices import ActorType
from issues.selectors import issue_queryset, project_by_ref
from issues.services.events import event_ingest, event_normalise_source


class EventSerializer(StrictSerializerMixin, serializers.Serializer):
    source = serializers.CharField(max_length=40, help_text="The sending system, e.g. zendesk.")
    id = TextOrIntegerField(max_length=200, help_text="The issue's id in that system (string or integer).")
    title = serializers.CharField(max_length=2000, help_text="Whitespace is collapsed; cut to 300 characters.")
    description = serializers.CharField(max_length=BODY_MAX_CHARS, allow_blank=True, required=False, default="")
    author = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    createdAt = serializers.DateTimeField(required=False, allow_null=True, default=None)  # noqa: N815 (wire name)
    project = serializers.CharField(max_length=20, help_text="Project key (or id).")

    def validate_source(self, value):
        if not event_normalise_source(value):
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_id(self, value):
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value


class EventViewSet(viewsets.GenericViewSet):
    serializer_class = EventSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary="Ingest an issue from another system",
        description="The first delivery of a (source, id) creates the issue (201); later ones return it (200).",
        request=EventSerializer,
        responses={
            201: IssueSerializer,
            200: IssueSerializer,
            400: OpenApiResponse(description="Invalid event or unknown project."),
        },
        examples=[examples.EVENT],
    )
    def create(self, request):
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = project_by_ref(data["project"])
        outcome = event_ingest(
            project=project,
            source=data["source"],
            external_id=data["id"],
            title=data["title"],
            description=data["description"],
            author=data["author"],
            created_at=data["createdAt"],
            actor=Actor(ActorType.INTEGRATION, user=request.user, name=event_normalise_source(data["source"])),
        )
        issue = issue_queryset().get(pk=outcome.issue.pk)
        return Response(
            IssueSerializer(issue).data, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )
