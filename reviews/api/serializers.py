from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.strict import StrictSerializerMixin
from config.jobs.state import JobState
from reviews.choices import Category, Severity
from reviews.models import PullRequest, Review, ReviewComment, SnippetReview


class ReviewCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewComment
        fields = [
            "id",
            "path",
            "start_line",
            "line",
            "side",
            "body",
            "severity",
            "category",
            "fingerprint",
            "inline",
            "suggestion",
            "posted",
            "github_id",
            "helpful",
            "feedback_at",
            "outcome",
            "outcome_source",
            "outcome_at",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    comments = ReviewCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "head_sha",
            "trigger",
            "mode",
            "mode_note",
            "compared_to_sha",
            "requested_by",
            "state",
            "error",
            "attempts",
            "summary",
            "files_reviewed",
            "files_skipped",
            "skipped_files",
            "inline_comments",
            "summary_comments",
            "github_review_id",
            "posted_at",
            "summary_updated_at",
            "created_at",
            "finished_at",
            "check_run_id",
            "check_shown",
            "check_state",
            "check_error",
            "comments",
        ]
        read_only_fields = fields


class PullRequestSerializer(serializers.ModelSerializer):
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta:
        model = PullRequest
        fields = [
            "id",
            "repository",
            "number",
            "project",
            "title",
            "author",
            "author_is_bot",
            "state",
            "draft",
            "base_ref",
            "base_sha",
            "head_sha",
            "labels",
            "html_url",
            "summary_review_id",
            "reviewed_head_sha",
            "created_at",
            "updated_at",
            "reviews_paused",
            "outcomes_state",
            "outcomes_error",
            "outcomes_read_at",
            "reviews",
        ]
        read_only_fields = fields


class PullRequestOutcomesSerializer(serializers.ModelSerializer):
    """The reading of reactions on a pull request's inline comments (a job)."""

    class Meta:
        model = PullRequest
        fields = ["id", "outcomes_state", "outcomes_error", "outcomes_attempts", "outcomes_read_at"]
        read_only_fields = fields


class CommentFeedbackSerializer(StrictSerializerMixin, serializers.Serializer):
    helpful = serializers.BooleanField(allow_null=True, help_text="true, false, or null to clear.")


class FindingCountsSerializer(serializers.Serializer):
    posted = serializers.IntegerField(help_text="Findings in reviews posted to GitHub.")
    helpful = serializers.IntegerField(help_text="Of those, marked helpful (a +1, or staff).")
    dismissed = serializers.IntegerField(help_text="Of those, dismissed (a -1, a thread resolved unchanged, or staff).")


def _counts_by(name: str, values) -> type[serializers.Serializer]:
    """A serializer with one FindingCountsSerializer per enumeration value (`bug`, `critical`, ...)."""
    return type(name, (serializers.Serializer,), {value: FindingCountsSerializer() for value in values})


class RepositoryStatsSerializer(serializers.Serializer):
    repository = serializers.CharField()
    # Staff ratings (the helpful-share report, kept as it was).
    comments = serializers.IntegerField()
    rated = serializers.IntegerField()
    helpful = serializers.IntegerField(help_text="Comments staff rated helpful.")
    helpful_share = serializers.FloatField(allow_null=True)
    # What people made of the posted findings (ReviewComment.outcome).
    findings = FindingCountsSerializer()
    by_category = _counts_by("FindingCountsByCategory", Category.values)()
    by_severity = _counts_by("FindingCountsBySeverity", Severity.values)()


class SnippetFindingSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    severity = serializers.CharField()
    message = serializers.CharField()


class SnippetSubmitSerializer(StrictSerializerMixin, serializers.Serializer):
    # The size cap is checked by the service (a 400 with type snippet_too_large).
    code = serializers.CharField(trim_whitespace=False)
    filename = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class SnippetReviewSerializer(serializers.ModelSerializer):
    findings = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = SnippetReview
        fields = ["id", "filename", "language", "state", "error", "summary", "findings", "created_at", "finished_at"]
        read_only_fields = fields

    def get_summary(self, snippet) -> str | None:
        return snippet.summary if snippet.state == JobState.DONE else None

    @extend_schema_field(SnippetFindingSerializer(many=True, allow_null=True))
    def get_findings(self, snippet):
        return snippet.findings if snippet.state == JobState.DONE else None
