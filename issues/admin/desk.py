"""The desk part of the issue admin: the triage inbox, deciding a triage suggestion, and the
issue page's latest triage and plan with its Re-triage and Plan buttons.

Every decision goes through the same services as the API (issues.services.suggestion_accept /
suggestion_dismiss, the TRIAGE and PLAN jobs' enqueue)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.api.errors import ApplicationError
from issues import inbox
from issues.jobs import PLAN, TRIAGE
from issues.models import Issue, TriageSuggestion
from issues.services import suggestion_accept, suggestion_dismiss


class IssueDeskMixin:
    """Mixed into IssueAdmin: its desk pages and buttons, under the admin's URLs."""

    def get_urls(self):
        view = self.admin_site.admin_view
        desk = [
            path("inbox/", view(self.inbox_view), name="triage_inbox"),
            path(
                "suggestions/<int:suggestion_id>/decide/",
                view(self.suggestion_decide_view),
                name="triage_suggestion_decide",
            ),
            path("<path:object_id>/triage/", view(self.triage_view), name="issues_issue_triage"),
            path("<path:object_id>/plan/", view(self.plan_view), name="issues_issue_plan"),
        ]
        return desk + super().get_urls()

    # --- the inbox -------------------------------------------------------------------------

    def inbox_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        chosen = _inbox_filters(request)
        number = request.GET.get("page", "")
        issues = inbox.inbox_issues(**chosen)
        paginator = inbox.WaitingPaginator(issues, page_number=int(number) if number.isdigit() else 1)
        page = paginator.get_page(number)
        context = {
            **self.admin_site.each_context(request),
            "title": "Triage inbox",
            "opts": self.model._meta,
            "page": page,
            "chosen": chosen,
            "projects": inbox.inbox_projects(),
            "kinds": inbox.INBOX_KINDS,
            "ages": inbox.INBOX_AGES,
            "confidence_threshold": settings.TRIAGE_LOW_CONFIDENCE,
            "filter_query": _filter_query(chosen),
            "may_decide": self.has_change_permission(request),
            "here": request.get_full_path(),
            # The issues' pages and decisions are linked from this base (one reverse(), not one a row).
            "issues_url": reverse("admin:issues_issue_changelist"),
        }
        return TemplateResponse(request, "admin/issues/inbox.html", context)

    # --- one suggestion, accepted or dismissed -------------------------------------------------

    @method_decorator(require_POST)
    def suggestion_decide_view(self, request, suggestion_id):
        suggestion = get_object_or_404(TriageSuggestion.objects.select_related("issue__project"), pk=suggestion_id)
        if not self.has_change_permission(request, suggestion.issue):
            raise PermissionDenied
        if "accept" not in request.POST and "dismiss" not in request.POST:
            return HttpResponseBadRequest("Choose accept or dismiss.")
        reason = request.POST.get("reason", "")  # trimmed and cut by the service
        issue = suggestion.issue
        try:
            if "accept" in request.POST:
                close = request.POST.get("close") == "1"
                suggestion_accept(suggestion=suggestion, user=request.user, reason=reason, close_duplicate=close)
                done = "accepted"
            else:
                suggestion_dismiss(suggestion=suggestion, user=request.user, reason=reason)
                done = "dismissed"
        except ApplicationError as exc:
            self.message_user(request, f"{issue.key}: not decided: {exc.message}", messages.ERROR)
        else:
            self.message_user(
                request, f"{issue.key}: {suggestion.get_kind_display().lower()} {done}.", messages.SUCCESS
            )
        return _back(request, reverse("admin:issues_issue_change", args=[issue.pk]))

    # --- the issue page --------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, object_id)
        if issue is not None:
            may_decide = self.has_change_permission(request, issue)
            extra_context = {**(extra_context or {}), **_issue_desk(issue), "may_decide": may_decide}
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def triage_view(self, request, object_id):
        return self._request_job(request, object_id, TRIAGE, "Triage")

    @method_decorator(require_POST)
    def plan_view(self, request, object_id):
        return self._request_job(request, object_id, PLAN, "Planning")

    def _request_job(self, request, object_id, job, what):
        issue = self.get_object(request, object_id)
        if issue is None:
            raise Http404("No such issue.")
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        if job.enqueue(issue.pk):
            self.message_user(request, f"{what} requested for {issue.key}.", messages.SUCCESS)
        else:
            self.message_user(request, f"{what} of {issue.key} is running already.", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]), status=303)


def _inbox_filters(request) -> dict:
    project = request.GET.get("project", "")
    kind = request.GET.get("kind", "")
    age = request.GET.get("age", "")
    return {
        "project_id": int(project) if project.isdigit() else None,
        "kind": kind if kind in dict(inbox.INBOX_KINDS) else None,
        "age": age if age in inbox.AGES_BY_KEY else None,
    }


def _filter_query(chosen: dict) -> str:
    """The chosen filters as the start of a page link's query ("project=3&kind=label&")."""
    names = {"project_id": "project", "kind": "kind", "age": "age"}
    query = urlencode({names[key]: value for key, value in chosen.items() if value is not None})
    return f"{query}&" if query else ""


def _back(request, fallback: str):
    """Back where the decision was made (the inbox with its filters, or the issue page)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target, status=303)


def _issue_desk(issue: Issue) -> dict:
    triage = issue.triage_runs.select_related("llm_call").order_by("-created_at", "-id").first()
    plan = issue.plan_runs.prefetch_related("tasks").order_by("-created_at", "-id").first()
    return {
        "latest_triage": triage,
        "triage_applied": applied_lines(triage.applied) if triage else [],
        "triage_suggestions": (
            list(triage.suggestion_rows.select_related("decided_by").order_by("kind", "id")) if triage else []
        ),
        "low_confidence": inbox.is_low_confidence(issue),
        "latest_plan": plan,
        "duplicate_of": Issue.objects.select_related("project").filter(pk=issue.duplicate_of_id).first(),
        "duplicates": list(issue.duplicates.select_related("project").order_by("number")),
        "issues_url": reverse("admin:issues_issue_changelist"),
    }


def applied_lines(applied: dict) -> list[str]:
    """What a triage run changed, one line per entry of its `applied` record."""
    return [f"{name.replace('_', ' ')}: {_applied_text(value)}" for name, value in applied.items()]


def _applied_text(value) -> str:
    if value is True:
        return "rewritten"
    if isinstance(value, dict) and {"from", "to"} <= value.keys():
        return f"{value['from'] or '—'} → {value['to']}"
    if isinstance(value, list):
        return "; ".join(_applied_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {item}" for key, item in value.items())
    return str(value)
