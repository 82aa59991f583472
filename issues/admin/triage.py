"""Admin for triage rules and the triage/plan run history, and the actions staff run on issues."""

from django import forms
from django.contrib import admin, messages

from config.admin_lists import FittingListAdmin
from issues.jobs import PLAN, TRIAGE
from issues.models import PlanRun, TriageRule, TriageRun


class TriageRuleForm(forms.ModelForm):
    class Meta:
        model = TriageRule
        fields = ["project", "name", "keywords", "pattern", "labels", "type", "priority", "order", "enabled"]

    def clean(self):
        cleaned = super().clean()
        project, labels = cleaned.get("project"), cleaned.get("labels")
        if project and labels:
            foreign = [label.name for label in labels if label.project_id != project.pk]
            if foreign:
                self.add_error("labels", f"These labels belong to another project: {', '.join(foreign)}.")
        if not (labels or cleaned.get("type") or cleaned.get("priority")):
            raise forms.ValidationError("A rule must add labels or set a type or a priority.")
        return cleaned


@admin.register(TriageRule)
class TriageRuleAdmin(FittingListAdmin):
    form = TriageRuleForm
    list_display = ["name", "project", "keywords", "pattern", "type", "priority", "order", "enabled"]
    list_filter = ["project", "enabled"]
    list_editable = ["order", "enabled"]
    search_fields = ["name", "keywords", "pattern"]
    filter_horizontal = ["labels"]


class _ReadOnlyAdmin(FittingListAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TriageRun)
class TriageRunAdmin(_ReadOnlyAdmin):
    list_display = ["id", "issue", "engine", "note", "llm_call", "cached", "created_at"]
    list_filter = ["engine", "cached"]
    list_select_related = ["issue__project", "llm_call"]
    search_fields = ["issue__title"]
    raw_id_fields = ["issue"]


@admin.register(PlanRun)
class PlanRunAdmin(_ReadOnlyAdmin):
    list_display = ["id", "issue", "replaced_count", "llm_call", "cached", "created_at"]
    list_select_related = ["issue__project", "llm_call"]
    search_fields = ["issue__title"]
    raw_id_fields = ["issue"]


class TriageRunInline(admin.TabularInline):
    model = TriageRun
    extra = 0
    can_delete = False
    # What the latest run applied and suggested is shown readably above (issues/admin/desk.py).
    fields = ["created_at", "engine", "note", "llm_call", "cached"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class PlanRunInline(TriageRunInline):
    model = PlanRun
    fields = ["created_at", "replaced_count", "kept_task_ids", "risks", "llm_call", "cached"]
    readonly_fields = fields


def _request_jobs(modeladmin, request, queryset, job, what):
    requested = sum(job.enqueue(pk) for pk in queryset.values_list("pk", flat=True))
    skipped = queryset.count() - requested
    modeladmin.message_user(request, f"{what} requested for {requested} issue(s).", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(request, f"{skipped} issue(s) skipped: their job is running.", messages.WARNING)


@admin.action(description="Re-run triage on the selected issues")
def rerun_triage(modeladmin, request, queryset):
    _request_jobs(modeladmin, request, queryset, TRIAGE, "Triage")


@admin.action(description="Plan (or re-plan) the selected issues")
def run_planning(modeladmin, request, queryset):
    _request_jobs(modeladmin, request, queryset, PLAN, "Planning")
