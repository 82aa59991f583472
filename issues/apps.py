from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issue tracker"
    default_auto_field = "django.db.models.BigAutoField"
