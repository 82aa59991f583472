from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback and re-planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from feedback import jobs  # noqa: F401  (registers the job kind)
