from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api_router import router, slashless_router
from config.ops import health, metrics
from reviews.webhooks import github_webhook

# admin.site is config.dashboard.site.TriageAdminSite (its titles, "View site", the desk's
# pages first on the index and the operators' tables under "Operations").

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
