"""Django-level error pages: JSON in the API's error format under /api/ and /webhooks/.

The handlers below serve Django's own errors with DEBUG off. `JsonErrorsMiddleware` covers the
rest, so that every error under /api/ is JSON in the error format whatever produced it:
DEBUG's technical 404 page, the Swagger page's plain-text 405, the schema view's YAML errors.
A client that asked the browsable API for HTML keeps its HTML page.
"""

from http import HTTPStatus

from django.http import JsonResponse
from django.views import defaults
from rest_framework.renderers import BrowsableAPIRenderer

from config.api.exceptions import error_body

_JSON_PREFIXES = ("/api/", "/webhooks/")
_TYPE_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}
# Headers an error response keeps when its body is replaced.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


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


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _asked_for_the_browsable_api(response) -> bool:
    return isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer)


def _json_error(response) -> JsonResponse:
    status = response.status_code
    try:
        message = HTTPStatus(status).phrase + "."
    except ValueError:
        message = "Error."
    if status == 405 and response.has_header("Allow"):
        message = f"Method not allowed (allowed: {response['Allow']})."
    replacement = JsonResponse(error_body(_TYPE_BY_STATUS.get(status, "error"), message), status=status)
    for header in _KEPT_HEADERS:
        if response.has_header(header):
            replacement[header] = response[header]
    return replacement


class JsonErrorsMiddleware:
    """Errors under /api/ answer JSON in the error format, whichever layer produced them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or _is_json(response)
            or _asked_for_the_browsable_api(response)
        ):
            return response
        return _json_error(response)
