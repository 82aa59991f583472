from django.contrib import admin, messages

from config.admin import RecordAdmin
from config.admin_lists import FittingListAdmin
from reviews.models import (
    Delivery,
    Installation,
    InstallationRepository,
    PullCommand,
    PullRequest,
    Redelivery,
    RedeliveryRun,
    RepositorySettings,
    Review,
    ReviewComment,
    SnippetReview,
)
from reviews.services.deliveries import delivery_rerun
from reviews.services.feedback import review_comment_rate
from reviews.services.outcomes import outcomes_refresh_request
from reviews.services.review import review_rerun


@admin.register(Delivery)
class DeliveryAdmin(FittingListAdmin):
    list_display = ("delivery_id", "event", "action", "repository", "state", "attempts", "received_at", "result")
    list_filter = ("state", "event")
    search_fields = ("delivery_id", "repository")
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ["rerun"]

    @admin.action(description="Re-run the selected deliveries")
    def rerun(self, request, queryset):
        count = sum(1 for delivery in queryset if delivery_rerun(delivery=delivery))
        self.message_user(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


class InstallationRepositoryInline(admin.TabularInline):
    model = InstallationRepository
    fields = ("full_name", "github_id", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Installation)
class InstallationAdmin(FittingListAdmin):
    list_display = (
        "installation_id",
        "account",
        "repository_selection",
        "last_action",
        "suspended_at",
        "deleted_at",
        "updated_at",
    )
    list_filter = ("last_action", "repository_selection")
    search_fields = ("account", "repositories__full_name")
    readonly_fields = [field.name for field in Installation._meta.fields]
    inlines = [InstallationRepositoryInline]


@admin.register(RedeliveryRun)
class RedeliveryRunAdmin(RecordAdmin):
    list_display = (
        "started_at",
        "ok",
        "listed",
        "failed",
        "held",
        "already_requested",
        "requested",
        "errors",
        "window_start",
        "note",
    )
    list_filter = ("ok",)
    readonly_fields = [field.name for field in RedeliveryRun._meta.fields]


@admin.register(Redelivery)
class RedeliveryAdmin(RecordAdmin):
    list_display = ("guid", "event", "action", "status", "github_delivery_id", "requested_at", "error")
    search_fields = ("guid",)
    list_filter = ("event",)
    readonly_fields = [field.name for field in Redelivery._meta.fields]


@admin.register(RepositorySettings)
class RepositorySettingsAdmin(FittingListAdmin):
    list_display = (
        "project",
        "enabled",
        "max_files",
        "severity_threshold",
        "triage_writeback",
        "create_missing_labels",
        "updated_at",
    )
    list_filter = ("enabled", "triage_writeback")


class ReviewInline(admin.TabularInline):
    model = Review
    fields = ("head_sha", "mode", "state", "inline_comments", "summary_comments", "github_review_id", "posted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(PullRequest)
class PullRequestAdmin(FittingListAdmin):
    list_display = ("__str__", "title", "author", "state", "draft", "reviews_paused", "outcomes_state", "updated_at")
    list_filter = ("state", "draft", "reviews_paused", "outcomes_state", "repository")
    search_fields = ("repository", "title", "author")
    readonly_fields = [field.name for field in PullRequest._meta.fields]
    inlines = [ReviewInline]
    actions = ["refresh_reactions"]

    @admin.action(description="Read the reactions on their inline comments again")
    def refresh_reactions(self, request, queryset):
        count = sum(1 for pull in queryset if outcomes_refresh_request(pull=pull))
        self.message_user(request, f"{count} pull request(s) queued for reading reactions.", messages.SUCCESS)


@admin.register(PullCommand)
class PullCommandAdmin(RecordAdmin):
    list_display = ("command", "repository", "number", "author", "replied_at", "created_at")
    search_fields = ("repository", "author", "command")
    readonly_fields = [field.name for field in PullCommand._meta.fields]


COMMENT_SHOWN = ("path", "line", "severity", "category", "inline", "body", "suggestion", "outcome", "outcome_source")


class ReviewCommentInline(admin.TabularInline):
    model = ReviewComment
    readonly_fields = COMMENT_SHOWN
    fields = (*COMMENT_SHOWN, "helpful")  # staff rate a comment here too
    extra = 0
    can_delete = False


@admin.register(Review)
class ReviewAdmin(FittingListAdmin):
    list_display = (
        "__str__",
        "state",
        "trigger",
        "mode",
        "files_reviewed",
        "inline_comments",
        "summary_comments",
        "posted_at",
        "check_shown",
        "check_state",
    )
    list_filter = ("state", "trigger", "mode", "check_state")
    search_fields = ("pull_request__repository", "head_sha")
    readonly_fields = [field.name for field in Review._meta.fields]
    inlines = [ReviewCommentInline]
    actions = ["rerun"]

    def save_formset(self, request, form, formset, change):
        """A rating changed in the comments' rows goes through the service, as on the comment's page."""
        formset.save(commit=False)  # what changed, row by row; the service saves it
        for comment, changed in formset.changed_objects:
            if "helpful" in changed:
                review_comment_rate(comment=comment, helpful=comment.helpful, user=request.user)

    @admin.action(description="Re-run the selected reviews")
    def rerun(self, request, queryset):
        count = sum(1 for review in queryset if review_rerun(review=review))
        self.message_user(request, f"{count} review(s) queued again.", messages.SUCCESS)


@admin.register(ReviewComment)
class ReviewCommentAdmin(FittingListAdmin):
    list_display = ("__str__", "review", "category", "inline", "outcome", "outcome_source", "helpful", "feedback_by")
    list_filter = ("helpful", "outcome", "outcome_source", "severity", "category", "inline")
    search_fields = ("path", "body", "review__pull_request__repository")
    readonly_fields = [
        field.name
        for field in ReviewComment._meta.fields
        if field.name not in ("helpful", "feedback_by", "feedback_at")
    ] + ["feedback_by", "feedback_at"]
    actions = ["mark_helpful", "mark_not_helpful"]

    def _rate(self, request, queryset, helpful):
        for comment in queryset:
            review_comment_rate(comment=comment, helpful=helpful, user=request.user)
        self.message_user(request, f"{queryset.count()} comment(s) rated.", messages.SUCCESS)

    @admin.action(description="Mark helpful")
    def mark_helpful(self, request, queryset):
        self._rate(request, queryset, True)

    @admin.action(description="Mark not helpful")
    def mark_not_helpful(self, request, queryset):
        self._rate(request, queryset, False)

    def save_model(self, request, obj, form, change):
        if "helpful" in form.changed_data:
            review_comment_rate(comment=obj, helpful=obj.helpful, user=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(SnippetReview)
class SnippetReviewAdmin(FittingListAdmin):
    list_display = ("__str__", "user", "state", "created_at", "finished_at")
    list_filter = ("state",)
    readonly_fields = [field.name for field in SnippetReview._meta.fields]
