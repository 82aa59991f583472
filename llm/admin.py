import json

from django.contrib import admin, messages
from django.utils.html import format_html

from config.admin import RecordAdmin
from config.admin_lists import FittingListAdmin
from llm import selectors, services
from llm.models import LLMCacheEntry, LLMCall, LLMProbe


@admin.register(LLMCall)
class LLMCallAdmin(RecordAdmin):
    """The ledger, read-only. The change list shows token and cost totals of what is filtered."""

    list_display = (
        "id",
        "created_at",
        "purpose",
        "model",
        "outcome",
        "attempt",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "latency_ms",
        "error_type",
    )
    list_filter = ("outcome", "purpose", "model", ("created_at", admin.DateFieldListFilter), "error_type")
    search_fields = ("=request_hash", "=subject_id", "error_message", "provider_request_id")
    date_hierarchy = "created_at"
    list_select_related = ("subject_type",)
    change_list_template = "admin/llm/llmcall/change_list.html"
    exclude = ("prompt",)
    readonly_fields = [field.name for field in LLMCall._meta.fields if field.name != "prompt"] + ["prompt_pretty"]

    @admin.display(description="prompt")
    def prompt_pretty(self, obj):
        if obj.prompt is None:
            return "(pruned)" if obj.payload_pruned_at else "-"
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(obj.prompt, indent=2))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["ledger_totals"] = selectors.ledger_totals(context["cl"].queryset)
        return response


@admin.register(LLMCacheEntry)
class LLMCacheEntryAdmin(FittingListAdmin):
    list_display = ("key", "model", "created_at", "expires_at", "source_call")
    search_fields = ("=key",)
    readonly_fields = ("key", "model", "content", "source_call", "created_at", "expires_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LLMProbe)
class LLMProbeAdmin(FittingListAdmin):
    """Check the provider: add a probe (a worker asks the question) or re-run a failed one."""

    list_display = ("id", "created_at", "question", "state", "answer", "error", "attempts", "cached", "call")
    list_filter = ("state",)
    fields = ("question", "state", "answer", "error", "attempts", "cached", "call", "finished_at")
    readonly_fields = ("state", "answer", "error", "attempts", "cached", "call", "finished_at")
    actions = ["rerun"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.probe_create(question=obj.question)
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.action(description="Run selected probes again")
    def rerun(self, request, queryset):
        queued = sum(services.probe_rerun(probe=probe) for probe in queryset)
        self.message_user(request, f"{queued} probe(s) queued.", messages.SUCCESS)
