from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.strict import StrictSerializerMixin
from config.jobs.state import JobState
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
            "reviews",
        ]
        read_only_fields = fields


class CommentFeedbackSerializer(StrictSerializerMixin, serializers.Serializer):
    helpful = serializers.BooleanField(allow_null=True, help_text="true, false, or null to clear.")


class RepositoryStatsSerializer(serializers.Serializer):
    repository = serializers.CharField()
    comments = serializers.IntegerField()
    rated = serializers.IntegerField()
    helpful = serializers.IntegerField()
    helpful_share = serializers.FloatField(allow_null=True)


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
