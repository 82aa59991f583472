from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback and re-planning"
    default_auto_field = "django.db.models.BigAutoField"
