from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issue tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from issues import jobs  # noqa: F401  (registers the job kinds)
