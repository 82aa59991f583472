"""The admin site: the index shows the desk's pages first and the operators' tables (the one
declaration config.ops.staff.OPERATIONS) under their own "Operations" heading, last."""

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse, reverse_lazy

from config.ops.staff import is_operations_model

# The desk's own pages: (URL name in the admin, name on the index). The inbox may not exist yet
# (it comes with other work): then it is left out, never a broken link.
DESK_PAGES = (("triage_inbox", "Triage inbox"), ("dashboard", "Dashboard"))


def _is_operations(app: dict, model: dict) -> bool:
    return is_operations_model(app["app_label"], model["model"]._meta.model_name)


class TriageAdminSite(admin.AdminSite):
    site_header = "Triage Desk"
    site_title = "Triage Desk admin"
    index_title = "Triage desk"
    # The admin is the site staff work in, so its "View site" link leads to the other page people
    # read, the API docs (their session signs them in there too), not back to the admin itself.
    site_url = reverse_lazy("api-docs")
    # No app list down the left of every page: at 1400 px it took a quarter of the width the issue
    # list needs (the index and the breadcrumbs lead everywhere it did).
    enable_nav_sidebar = False

    def get_urls(self):
        from config.dashboard.views import dashboard

        return [
            path("dashboard/", self.admin_view(dashboard), name="dashboard"),
            path("operations/", self.admin_view(self.operations_index), name="operations"),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        apps, operations = self._split_operations(app_list)
        return [self._desk_app(), *apps, *([operations] if operations["models"] else [])]

    def operations_index(self, request):
        _, operations = self._split_operations(super().get_app_list(request))
        if not operations["models"]:  # triage staff: the page does not exist for them
            raise Http404("The requested admin page does not exist.")
        context = {
            **self.each_context(request),
            "title": "Operations",
            "subtitle": None,
            "app_list": [operations],
            "app_label": operations["app_label"],
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)

    def _split_operations(self, app_list: list[dict]) -> tuple[list[dict], dict]:
        """(the apps without their Operations models, an app holding those models)."""
        apps = []
        for app in app_list:
            kept = [model for model in app["models"] if not _is_operations(app, model)]
            if kept:
                apps.append({**app, "models": kept})
        # Named with their app ("Periodic Tasks: Intervals"), which also keeps each app's together.
        models = [
            {**model, "name": f"{app['name']}: {model['name']}"}
            for app in app_list
            for model in app["models"]
            if _is_operations(app, model)
        ]
        operations = {
            "name": "Operations",
            "app_label": "operations",
            "app_url": reverse("admin:operations", current_app=self.name),
            "has_module_perms": True,
            "models": sorted(models, key=lambda model: model["name"]),
        }
        return apps, operations

    def _desk_app(self) -> dict:
        """The desk's own pages as an app of the list (index and side bar), shown first."""
        models = []
        for url_name, name in DESK_PAGES:
            try:
                url = reverse(f"admin:{url_name}", current_app=self.name)
            except NoReverseMatch:
                continue
            models.append(
                {
                    "name": name,
                    "object_name": url_name.replace("_", ""),
                    "perms": {"view": True},
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,
                }
            )
        return {
            "name": "Desk",
            "app_label": "desk",
            "app_url": reverse("admin:dashboard", current_app=self.name),
            "has_module_perms": True,
            "models": models,
        }
