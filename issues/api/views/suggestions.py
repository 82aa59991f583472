"""Deciding a triage suggestion of an issue: POST .../suggestions/{sid}/accept and .../dismiss;
staff re-send an accepted question whose post to GitHub failed: .../post-to-github."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api.errors import ApplicationError
from issues.api import examples
from issues.api.permissions import IsStaff
from issues.api.serializers import IssueSerializer
from issues.api.suggestions import (
    SuggestionAcceptSerializer,
    SuggestionDecisionSerializer,
    SuggestionDismissSerializer,
    TriageSuggestionSerializer,
)
from issues.models import TriageSuggestion
from issues.selectors import issue_queryset
from issues.services import suggestion_accept, suggestion_dismiss
from issues.suggestions.github import suggestion_question_repost

DECISION_ERRORS = {
    400: OpenApiResponse(description="Invalid body (`validation_error`)."),
    404: OpenApiResponse(description="No such suggestion on this issue."),
    409: OpenApiResponse(
        description="`already_decided` (the suggestion is not open), `version_conflict` (the issue changed "
        "since the version given), `label_not_in_project` (the label does not exist and the project does not "
        "let triage suggestions create labels), `duplicate_gone`, `duplicate_cycle`."
    ),
}


PATH_PARAMETERS = [
    OpenApiParameter("issue_pk", int, OpenApiParameter.PATH, description="The issue's id."),
    OpenApiParameter("id", int, OpenApiParameter.PATH, description="The suggestion's id (from the issue's detail)."),
]


# Registered under issues/{issue_pk}/suggestions/ (config/api_router.py).
class IssueSuggestionViewSet(viewsets.GenericViewSet):
    """Decide one suggestion of the issue's latest triage, as you: the decision is recorded on the
    suggestion and in the issue's history, and a decided suggestion cannot be decided again."""

    serializer_class = TriageSuggestionSerializer
    pagination_class = None
    filter_backends = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        # A suggestion of another issue is a 404, as is one of an issue that does not exist.
        return TriageSuggestion.objects.filter(issue_id=self.kwargs["issue_pk"])

    def _decided(self, suggestion: TriageSuggestion) -> Response:
        suggestion = TriageSuggestion.objects.select_related("decided_by").get(pk=suggestion.pk)
        issue = issue_queryset().get(pk=suggestion.issue_id)
        return Response(
            {"suggestion": TriageSuggestionSerializer(suggestion).data, "issue": IssueSerializer(issue).data},
            status=status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Accept a triage suggestion (applied as you)",
        parameters=PATH_PARAMETERS,
        request=SuggestionAcceptSerializer,
        responses={200: SuggestionDecisionSerializer, **DECISION_ERRORS},
        examples=[examples.SUGGESTION_ACCEPT, examples.SUGGESTION_DECISION],
    )
    @action(detail=True, methods=["post"], serializer_class=SuggestionAcceptSerializer)
    def accept(self, request, issue_pk=None, pk=None):
        suggestion = self.get_object()
        body = SuggestionAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        suggestion_accept(
            suggestion=suggestion,
            user=request.user,
            reason=body.validated_data["reason"],
            close_duplicate=body.validated_data["close"],
            version=body.validated_data.get("version"),
        )
        return self._decided(suggestion)

    @extend_schema(
        summary="Dismiss a triage suggestion (triage does not raise it again for this issue)",
        parameters=PATH_PARAMETERS,
        request=SuggestionDismissSerializer,
        responses={200: SuggestionDecisionSerializer, **DECISION_ERRORS},
        examples=[examples.SUGGESTION_DISMISS],
    )
    @action(detail=True, methods=["post"], serializer_class=SuggestionDismissSerializer)
    def dismiss(self, request, issue_pk=None, pk=None):
        suggestion = self.get_object()
        body = SuggestionDismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        suggestion_dismiss(suggestion=suggestion, user=request.user, reason=body.validated_data["reason"])
        return self._decided(suggestion)

    @extend_schema(
        summary="Post an accepted question to GitHub again, after its post failed (staff)",
        parameters=PATH_PARAMETERS,
        request=None,
        responses={
            202: TriageSuggestionSerializer,
            404: DECISION_ERRORS[404],
            409: OpenApiResponse(description="`not_failed`: the question's post to GitHub has not failed."),
        },
    )
    @action(detail=True, methods=["post"], url_path="post-to-github", permission_classes=[IsAuthenticated, IsStaff])
    def post_to_github(self, request, issue_pk=None, pk=None):
        suggestion = self.get_object()
        if not suggestion_question_repost(suggestion=suggestion):
            raise ApplicationError(
                f"The post of suggestion {suggestion.pk} is {suggestion.github_post_state}, not failed.",
                type="not_failed",
                status_code=409,
            )
        suggestion = TriageSuggestion.objects.select_related("decided_by").get(pk=suggestion.pk)
        return Response(TriageSuggestionSerializer(suggestion).data, status=status.HTTP_202_ACCEPTED)


# The same routes without the trailing slash (DESIGN.md lists them so), once in the API docs.
@extend_schema_view(
    accept=extend_schema(exclude=True), dismiss=extend_schema(exclude=True), post_to_github=extend_schema(exclude=True)
)
class IssueSuggestionSlashlessViewSet(IssueSuggestionViewSet):
    pass
