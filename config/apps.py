from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_staff_group(sender, using="default", **kwargs):
    from config.ops.staff import ensure_triage_staff_group

    ensure_triage_staff_group(using=using)


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "System"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_ensure_staff_group, sender=self, dispatch_uid="config.ensure_staff_group")
