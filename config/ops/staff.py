"""The "Triage staff" group: what triage staff may do in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

TRIAGE_STAFF_GROUP = "Triage staff"
# Staff work on the tracker, feedback and reviews (deciding adjustments included: the
# feedback.decide_adjustment permission), but deleting projects stays with admins.
MANAGED_APPS = ("issues", "feedback", "reviews")
READ_ONLY_APPS = ("llm", "django_celery_beat", "config")
WITHHELD = ("delete_project",)
# Seeing users (read-only) lets staff pick an assignee from the admin's search-as-you-type menu.
EXTRA_VIEWS = ("view_user",)


def ensure_triage_staff_group(using: str = "default") -> Group:
    group, _ = Group.objects.using(using).get_or_create(name=TRIAGE_STAFF_GROUP)
    permissions = Permission.objects.using(using).filter(
        Q(content_type__app_label__in=MANAGED_APPS) & ~Q(codename__in=WITHHELD)
        | Q(content_type__app_label__in=READ_ONLY_APPS, codename__startswith="view_")
        | Q(content_type__app_label="auth", codename__in=EXTRA_VIEWS)
    )
    group.permissions.set(permissions)
    return group
