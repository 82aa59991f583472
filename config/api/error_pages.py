"""Django-level error pages: JSON in the API's error format under /api/ and /webhooks/."""

from django.http import JsonResponse
from django.views import defaults

from config.api.exceptions import error_body

_JSON_PREFIXES = ("/api/", "/webhooks/")


def _wants_json(request) -> bool:
    return request.path.startswith(_JSON_PREFIXES)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("bad_request", "Bad request."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", "Permission denied."), status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    return defaults.server_error(request)
