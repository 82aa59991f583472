from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Code reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.jobs.state import register_job_kind
        from reviews.jobs import CHECK, DELIVERY, OUTCOMES, REVIEW, SNIPPET

        for kind in (DELIVERY, REVIEW, SNIPPET, OUTCOMES, CHECK):
            register_job_kind(kind)
