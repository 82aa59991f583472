"""The Heartbeat page, and the base of admin pages of records nobody edits."""

from django.contrib import admin

from config.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen_at")
    readonly_fields = ("name", "last_seen_at")


class RecordAdmin(admin.ModelAdmin):
    """Viewable with the model's view permission; never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
