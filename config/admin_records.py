"""A base for admin pages of records nobody edits (the activity history, the LLM ledger)."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """Viewable with the model's view permission; never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
