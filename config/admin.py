"""The Heartbeat page, and the base of admin pages of records nobody edits."""

from django.contrib import admin

from config.admin_lists import FittingListAdmin
from config.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(FittingListAdmin):
    list_display = ("name", "last_seen_at")
    readonly_fields = ("name", "last_seen_at")


class RecordAdmin(FittingListAdmin):
    """Viewable with the model's view permission; never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
