from django.contrib.admin.apps import AdminConfig


class TriageAdminConfig(AdminConfig):
    """django.contrib.admin with the desk's admin site as `admin.site` (INSTALLED_APPS)."""

    default_site = "config.dashboard.site.TriageAdminSite"
