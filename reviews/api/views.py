from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from config.api.errors import ApplicationError
from config.api.throttling import UserRateThrottle
from reviews import selectors
from reviews.api.serializers import (
    CommentFeedbackSerializer,
    PullRequestOutcomesSerializer,
    PullRequestSerializer,
    RepositoryStatsSerializer,
    ReviewCommentSerializer,
    ReviewSerializer,
    SnippetReviewSerializer,
    SnippetSubmitSerializer,
)
from reviews.choices import ReviewTrigger
from reviews.filtersets import PullRequestFilterSet
from reviews.models import ReviewComment, SnippetReview
from reviews.services.feedback import review_comment_rate
from reviews.services.outcomes import outcomes_refresh_request
from reviews.services.pulls import NotReviewed, review_request
from reviews.services.snippets import snippet_submit


class PullRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Pull requests seen by the webhook, with their reviews and review comments."""

    serializer_class = PullRequestSerializer
    filterset_class = PullRequestFilterSet
    ordering_fields = ["updated_at", "number"]

    def get_queryset(self):
        return selectors.pull_request_list()

    @extend_schema(
        request=None,
        responses={202: ReviewSerializer, 409: OpenApiResponse(description="Not reviewable now (closed, bot, ...).")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def review(self, request, pk=None):
        """Staff: review the pull request's current head again (a failed review, or a fresh look)."""
        try:
            review = review_request(
                pull=self.get_object(), trigger=ReviewTrigger.STAFF, requested_by=request.user.get_username()
            )
        except NotReviewed as reason:
            raise ApplicationError(str(reason), type="not_reviewable", status_code=409)
        return Response(ReviewSerializer(review).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            202: PullRequestOutcomesSerializer,
            409: OpenApiResponse(description="No inline comment of ours with a GitHub id, or already reading."),
        },
    )
    @action(detail=True, methods=["post"], url_path="refresh-reactions", permission_classes=[IsAdminUser])
    def refresh_reactions(self, request, pk=None):
        """Staff: read the reactions on the pull request's inline comments again (a job; poll
        `outcomes_state`). What they say lands on each comment's `outcome`."""
        pull = self.get_object()
        if not outcomes_refresh_request(pull=pull):
            raise ApplicationError(
                "nothing to read: no inline comment with a GitHub id, or the reading is under way",
                type="nothing_to_refresh",
                status_code=409,
            )
        pull.refresh_from_db()
        return Response(PullRequestOutcomesSerializer(pull).data, status=status.HTTP_202_ACCEPTED)


class ReviewCommentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A review comment; staff say whether it helped."""

    queryset = ReviewComment.objects.all()
    serializer_class = ReviewCommentSerializer

    @extend_schema(request=CommentFeedbackSerializer, responses=ReviewCommentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def feedback(self, request, pk=None):
        serializer = CommentFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = review_comment_rate(
            comment=self.get_object(), helpful=serializer.validated_data["helpful"], user=request.user
        )
        return Response(ReviewCommentSerializer(comment).data)


class ReviewReportViewSet(viewsets.ViewSet):
    """Reports over all reviews: `/api/reviews/stats/`."""

    @extend_schema(responses=RepositoryStatsSerializer(many=True))
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Per repository: findings posted, helpful and dismissed (in total, by category, by
        severity), and the share of review comments staff marked helpful."""
        return Response(RepositoryStatsSerializer(selectors.review_stats_by_repository(), many=True).data)


class SnippetSubmitThrottle(UserRateThrottle):
    """Per-user limit on snippet submissions (DRF throttle scope `snippets`)."""

    scope = "snippets"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class SnippetReviewViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Submit code for review (202), then poll until `state` is done."""

    serializer_class = SnippetReviewSerializer

    def get_queryset(self):
        queryset = SnippetReview.objects.all()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset if self.request.user.is_staff else queryset.filter(user=self.request.user)

    def get_throttles(self):
        throttles = super().get_throttles()
        return [*throttles, SnippetSubmitThrottle()] if self.action == "create" else throttles

    @extend_schema(
        request=SnippetSubmitSerializer,
        responses={
            202: SnippetReviewSerializer,
            400: OpenApiResponse(description="Invalid input or code over the size cap."),
            429: OpenApiResponse(description="Too many submissions; see Retry-After."),
            503: OpenApiResponse(description="The review queue is busy; see Retry-After."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = SnippetSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snippet = snippet_submit(user=request.user, **serializer.validated_data)
        return Response(SnippetReviewSerializer(snippet).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request, *args, **kwargs):
        snippet = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return Response(SnippetReviewSerializer(snippet).data)
