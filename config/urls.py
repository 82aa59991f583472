from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api_router import router, slashless_router
from config.ops import health, metrics
from reviews.webhooks import github_webhook

admin.site.site_header = "Triage Desk"
admin.site.site_title = "Triage Desk admin"
admin.site.index_title = "Triage desk"
# No app list down the left of every page: at 1400 px it took a quarter of the width the issue
# list needs (the index and the breadcrumbs lead everywhere it did).
admin.site.enable_nav_sidebar = False
# The admin is the site staff work in, so its "View site" link leads to the other page people
# read, the API docs (their session signs them in there too), not back to the admin itself.
admin.site.site_url = reverse_lazy("api-docs")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # First after the probes: the busiest route, matched before the admin and API patterns.
    path("webhooks/github/", github_webhook, name="github-webhook"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
    path("api/", include(slashless_router.urls)),
    # No home page of its own: `/` is the admin (302, not 301, so a home page may come later).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
]

handler400 = "config.api.error_pages.bad_request"
handler403 = "config.api.error_pages.permission_denied"
handler404 = "config.api.error_pages.page_not_found"
handler500 = "config.api.error_pages.server_error"
