"""The "Triage staff" group: what triage staff may do in the admin, and what they never see.

OPERATIONS names the operators' tables (the scheduler's, the API tokens, heartbeats, webhook
deliveries, the LLM cache...). The admin index groups them under an "Operations" heading
(config/dashboard/site.py) and the group gets no permission on them, so triage staff neither
see them on the index nor open them by URL (the admin answers 403).
"""

import operator
from functools import reduce

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

TRIAGE_STAFF_GROUP = "Triage staff"
# Staff work on the tracker, feedback and reviews (deciding adjustments included: the
# feedback.decide_adjustment permission), but deleting projects stays with admins.
MANAGED_APPS = ("issues", "feedback", "reviews")
READ_ONLY_APPS = ("llm",)
WITHHELD = ("delete_project",)
# Seeing users (read-only) lets staff pick an assignee from the admin's search-as-you-type menu.
EXTRA_VIEWS = ("view_user",)

# app label -> its operators' models (lower-case model names), or None for all of the app's models.
OPERATIONS: dict[str, tuple[str, ...] | None] = {
    "django_celery_beat": None,
    "authtoken": None,
    "config": ("heartbeat",),
    "reviews": ("delivery", "installation", "installationrepository", "redeliveryrun", "redelivery"),
    "llm": ("llmcacheentry", "llmprobe"),
}


def is_operations_model(app_label: str, model_name: str) -> bool:
    if app_label not in OPERATIONS:
        return False
    models = OPERATIONS[app_label]
    return models is None or model_name in models


def operations_q(prefix: str = "") -> Q:
    """Matches the content types of the Operations models (prefix: the path to the content type)."""
    conditions = []
    for app_label, models in OPERATIONS.items():
        of_app = Q(**{f"{prefix}app_label": app_label})
        if models is not None:
            of_app &= Q(**{f"{prefix}model__in": models})
        conditions.append(of_app)
    return reduce(operator.or_, conditions)


def ensure_triage_staff_group(using: str = "default") -> Group:
    group, _ = Group.objects.using(using).get_or_create(name=TRIAGE_STAFF_GROUP)
    permissions = (
        Permission.objects.using(using)
        .filter(
            Q(content_type__app_label__in=MANAGED_APPS) & ~Q(codename__in=WITHHELD)
            | Q(content_type__app_label__in=READ_ONLY_APPS, codename__startswith="view_")
            | Q(content_type__app_label="auth", codename__in=EXTRA_VIEWS)
        )
        .exclude(operations_q("content_type__"))
    )
    group.permissions.set(permissions)
    return group
