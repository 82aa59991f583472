"""Every API viewset is registered here; apps add theirs with `router.register(...)`."""

from rest_framework.routers import DefaultRouter, SimpleRouter


class Router(DefaultRouter):
    """DRF's router, with ids that are numbers unless a viewset says otherwise (`lookup_value_regex`):
    `/api/issues/abc/` then is the URL resolver's 404 and a malformed id never reaches a query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[0-9]+"


router = Router()

from reviews.api.views import (  # noqa: E402
    PullRequestViewSet,
    ReviewCommentViewSet,
    ReviewReportViewSet,
    SnippetReviewViewSet,
)

router.register("reviews", ReviewReportViewSet, basename="review")  # reviews/stats/
router.register("reviews/pulls", PullRequestViewSet, basename="review-pull")
router.register("reviews/comments", ReviewCommentViewSet, basename="review-comment")
router.register("reviews/snippets", SnippetReviewViewSet, basename="review-snippet")

from issues.api.views import (  # noqa: E402
    EventViewSet,
    IssueSuggestionSlashlessViewSet,
    IssueSuggestionViewSet,
    IssueViewSet,
    LabelViewSet,
    ProjectViewSet,
    ReportViewSet,
    TaskViewSet,
)

router.register("projects", ProjectViewSet, basename="project")
router.register("labels", LabelViewSet, basename="label")
router.register("issues", IssueViewSet, basename="issue")  # also issues/{id}/triage/, issues/{id}/plan/
router.register(r"issues/(?P<issue_pk>[0-9]+)/suggestions", IssueSuggestionViewSet, basename="issue-suggestion")
router.register("tasks", TaskViewSet, basename="task")
router.register("events", EventViewSet, basename="event")
router.register("reports", ReportViewSet, basename="report")

from feedback.api.views import AdjustmentViewSet, FeedbackViewSet  # noqa: E402

router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("adjustments", AdjustmentViewSet, basename="adjustment")

from llm.api.views import LLMCallViewSet, LLMUsageViewSet  # noqa: E402

router.register("llm", LLMUsageViewSet, basename="llm")  # llm/usage/
router.register("llm/calls", LLMCallViewSet, basename="llm-call")

# Routes also answered without their trailing slash (config/urls.py includes them after `router`).
slashless_router = SimpleRouter(trailing_slash=False)
slashless_router.register(
    r"issues/(?P<issue_pk>[0-9]+)/suggestions", IssueSuggestionSlashlessViewSet, basename="issue-suggestion-noslash"
)
