from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from config.admin_lists import FittingListAdmin
from config.api.errors import ApplicationError
from feedback import selectors, services
from feedback.choices import AdjustmentState
from feedback.models import Adjustment, Feedback
from feedback.task_changes import adjustment_proposal
from issues.actors import Actor

# The longest rejection reason kept (the bulk action's form allows as much).
REASON_MAX_CHARS = 2000

ADJUSTMENT_FIELDS = (
    "type",
    "state",
    "task",
    "description",
    "original_value",
    "proposed_value",
    "reasoning",
    "task_version",
    "decided_by",
    "decided_at",
    "rejection_reason",
    "forced",
    "created_task",
)


class AdjustmentInline(admin.TabularInline):
    model = Adjustment
    fields = ADJUSTMENT_FIELDS
    readonly_fields = ADJUSTMENT_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(FittingListAdmin):
    list_display = ("id", "project", "text", "state", "adjustment_count", "dropped_count", "created_at")
    list_filter = ("state", "project", "created_at")
    search_fields = ("text", "summary", "author_name", "author_email")
    list_select_related = ("project",)
    raw_id_fields = ("task",)
    readonly_fields = (
        "summary",
        "dropped_count",
        "llm_call",
        "state",
        "error",
        "attempts",
        "state_changed_at",
        "processed_at",
        "submitted_by",
        "created_at",
    )
    inlines = [AdjustmentInline]
    actions = ["rerun_failed"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_adjustments=Count("adjustments"))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        # Processed feedback is a record: its text and subject stay as the LLM saw them.
        fixed = ("project", "task", "text", "author_name", "author_email") if obj is not None else ()
        return fixed + self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.feedback_create(
            project=obj.project,
            task=obj.task,
            text=obj.text,
            author_name=obj.author_name,
            author_email=obj.author_email,
            submitted_by=request.user,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.display(description="adjustments", ordering="_adjustments")
    def adjustment_count(self, obj):
        return obj._adjustments

    @admin.action(description="Re-run selected failed feedback")
    def rerun_failed(self, request, queryset):
        done, refused = 0, 0
        for feedback in queryset:
            try:
                services.feedback_rerun(feedback=feedback)
                done += 1
            except ApplicationError:
                refused += 1
        if done:
            self.message_user(request, f"{done} feedback queued again.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} skipped: only failed feedback can be re-run.", messages.WARNING)


@admin.register(Adjustment)
class AdjustmentAdmin(FittingListAdmin):
    """A proposal is decided once, from its page (Apply, Reject) or in bulk from the list; the
    admin never edits or deletes one."""

    list_display = ("id", "project", "type", "state", "task", "description", "proposed", "reasoning", "created_at")
    list_text_limits = {"task": 28, "description": 40, "proposed": 24, "reasoning": 44}
    list_filter = ("state", "type", "feedback__project")
    search_fields = ("description", "reasoning", "rejection_reason")
    list_select_related = ("feedback__project", "task")
    readonly_fields = ("feedback", *ADJUSTMENT_FIELDS, "created_at")
    fields = readonly_fields
    actions = ["apply_selected", "apply_selected_force", "reject_selected"]
    change_list_template = "admin/feedback/adjustment/change_list.html"
    change_form_template = "admin/feedback/adjustment/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return request.user.has_perm("feedback.decide_adjustment")

    @admin.display(description="project", ordering="feedback__project__key")
    def project(self, obj):
        return obj.feedback.project.key

    @admin.display(description="proposed")
    def proposed(self, obj):
        return adjustment_proposal(obj)

    def get_urls(self):
        decide = [
            path(
                "<path:object_id>/apply/", self.admin_site.admin_view(self.apply_view), name="feedback_adjustment_apply"
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="feedback_adjustment_reject",
            ),
        ]
        return decide + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        adjustment = self.get_object(request, object_id)
        if adjustment is not None:
            extra_context = {
                **(extra_context or {}),
                "review": selectors.adjustment_review(adjustment=adjustment),
                "proposal": adjustment_proposal(adjustment),
                "may_decide": adjustment.state == AdjustmentState.PROPOSED and self.has_decide_permission(request),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def apply_view(self, request, object_id):
        actor = Actor.of_user(request.user)
        force = request.POST.get("force") == "1"
        return self._decide_one(
            request, object_id, lambda a: services.adjustment_apply(adjustment=a, actor=actor, force=force), "applied"
        )

    @method_decorator(require_POST)
    def reject_view(self, request, object_id):
        actor = Actor.of_user(request.user)
        reason = request.POST.get("reason", "")[:REASON_MAX_CHARS]
        return self._decide_one(
            request,
            object_id,
            lambda a: services.adjustment_reject(adjustment=a, actor=actor, reason=reason),
            "rejected",
        )

    def _decide_one(self, request, object_id, decide, verb: str):
        """One decision from the adjustment's page, then back to it (a 409 shows there: the task's
        changes since the proposal, and the choice to apply anyway)."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        adjustment = self.get_object(request, object_id)
        if adjustment is None:
            raise Http404("No such adjustment.")
        try:
            decide(adjustment)
        except ApplicationError as exc:
            self.message_user(request, f"Not {verb}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"Adjustment {adjustment.pk} {verb}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:feedback_adjustment_change", args=[adjustment.pk]), status=303)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "stats": selectors.adjustment_stats()}
        return super().changelist_view(request, extra_context=extra_context)

    def _decide(self, request, queryset, decide, verb: str):
        done, problems = 0, []
        for adjustment in queryset.order_by("id"):
            try:
                decide(adjustment)
                done += 1
            except ApplicationError as exc:
                problems.append(f"#{adjustment.pk}: {exc.message}")
        if done:
            self.message_user(request, f"{done} adjustment(s) {verb}.", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Apply selected adjustments", permissions=["decide"])
    def apply_selected(self, request, queryset):
        actor = Actor.of_user(request.user)
        self._decide(request, queryset, lambda a: services.adjustment_apply(adjustment=a, actor=actor), "applied")

    @admin.action(description="Apply selected adjustments even if their task changed since", permissions=["decide"])
    def apply_selected_force(self, request, queryset):
        actor = Actor.of_user(request.user)
        self._decide(
            request, queryset, lambda a: services.adjustment_apply(adjustment=a, actor=actor, force=True), "applied"
        )

    @admin.action(description="Reject selected adjustments…", permissions=["decide"])
    def reject_selected(self, request, queryset):
        # The API keeps the reason optional; here a person is asked for it (the LLM learns from it).
        reason = request.POST.get("reason", "").strip()[:REASON_MAX_CHARS]
        if request.POST.get("confirm") != "yes" or not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": "Reject adjustments",
                "opts": self.model._meta,
                "adjustments": queryset.filter(state=AdjustmentState.PROPOSED),
                "selected": queryset.values_list("pk", flat=True),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "reason_missing": request.POST.get("confirm") == "yes",
            }
            return TemplateResponse(request, "admin/feedback/adjustment/reject_confirmation.html", context)
        actor = Actor.of_user(request.user)
        self._decide(
            request,
            queryset,
            lambda a: services.adjustment_reject(adjustment=a, actor=actor, reason=reason),
            "rejected",
        )
