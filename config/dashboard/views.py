"""The dashboard page (admin:dashboard): the last 30 days at a glance, staff only."""

from functools import partial
from urllib.parse import urlencode

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from config.dashboard import panels, selectors
from config.jobs.state import JobKind


def _list_url(request, kind: JobKind, state: str) -> str:
    """The admin list of the kind's rows in `state`, or "" when the viewer may not open it."""
    if not admin.site.is_registered(kind.model):
        return ""
    if not admin.site.get_model_admin(kind.model).has_view_permission(request):
        return ""
    opts = kind.model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=admin.site.name)
    return f"{changelist}?{urlencode({kind.field('state') + '__exact': state})}"


def dashboard(request):
    window = selectors.last_days()
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "subtitle": None,
        "window": window,
        "time_zone": timezone.get_current_timezone_name(),
        "panels": [
            panels.issues_panel(window),
            panels.triage_panel(window),
            panels.llm_panel(window),
            panels.reviews_panel(window),
            panels.jobs_panel(partial(_list_url, request)),
        ],
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/dashboard/index.html", context)
