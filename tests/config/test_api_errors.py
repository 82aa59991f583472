"""Everything under /api/ answers in the JSON error format; a malformed id is a 404, never a 500."""

import pytest
from django.conf import settings as django_settings

from config.api_router import router

pytestmark = pytest.mark.django_db

MALFORMED_IDS = ["abc", "1.5", "-1", "%20", "1e3"]
# A number, but past any primary key: detail reads are 404 (not a database overflow error).
HUGE_ID = "99999999999999999999999"


def _detail_routes() -> list[tuple[str, str]]:
    """(method, path template with {id}) of every detail route and detail action of the router."""
    routes = []
    for prefix, viewset, _ in router.registry:
        if hasattr(viewset, "retrieve"):
            routes.append(("get", f"/api/{prefix}/{{id}}/"))
        for action in viewset.get_extra_actions():
            if action.detail:
                routes += [(method, f"/api/{prefix}/{{id}}/{action.url_path}/") for method in action.mapping]
    routes += [("get", "/api/issues/{id}/triage/"), ("post", "/api/issues/{id}/plan/")]
    return routes


DETAIL_CASES = [(method, template.format(id=id_)) for method, template in _detail_routes() for id_ in MALFORMED_IDS]


def _assert_error_format(response, status: int, type_: str) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["type"] == type_
    assert body["detail"] == body["error"]["message"]


@pytest.mark.parametrize(("method", "path"), DETAIL_CASES, ids=[f"{m} {p}" for m, p in DETAIL_CASES])
def test_a_malformed_id_is_a_json_404(staff_client, method, path):
    response = getattr(staff_client, method)(path)

    _assert_error_format(response, 404, "not_found")


READ_ROUTES = [template.format(id=HUGE_ID) for method, template in _detail_routes() if method == "get"]


@pytest.mark.parametrize("path", READ_ROUTES)
def test_an_id_past_any_primary_key_is_a_json_404(staff_client, path):
    _assert_error_format(staff_client.get(path), 404, "not_found")


def test_a_snippet_id_that_is_not_a_number_is_404(user_client):
    response = user_client.get("/api/reviews/snippets/abc/")

    _assert_error_format(response, 404, "not_found")


UNKNOWN_PATHS = ["/api/no-such-thing/", "/api/issues/1/no-such-action/", "/api/reviews/nothing/here/"]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("client_name", ["api_client", "user_client"])
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_an_unknown_api_path_is_a_json_404(request, settings, debug, client_name, path):
    settings.DEBUG = debug
    client = request.getfixturevalue(client_name)

    _assert_error_format(client.get(path), 404, "not_found")


WRONG_METHODS = [
    ("delete", "/api/llm/usage/"),
    ("patch", "/api/reviews/pulls/{pull}/"),
    ("put", "/api/issues/{issue}/triage/"),
    ("post", "/api/schema/"),
    ("post", "/api/docs/"),
    ("delete", "/api/reports/top-assignees/"),
]


@pytest.fixture
def known_ids():
    from tests.issues.factories import IssueFactory
    from tests.reviews.factories import PullRequestFactory

    return {"issue": IssueFactory().pk, "pull": PullRequestFactory().pk}


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(("method", "path"), WRONG_METHODS)
def test_a_wrong_method_on_a_known_path_is_a_json_405(staff_client, settings, known_ids, debug, method, path):
    settings.DEBUG = debug

    response = getattr(staff_client, method)(path.format(**known_ids))

    _assert_error_format(response, 405, "method_not_allowed")
    assert method.upper() not in response["Allow"]


def test_a_wrong_method_without_credentials_is_a_json_error(api_client):
    response = api_client.delete("/api/llm/usage/")

    _assert_error_format(response, 401, "not_authenticated")


def test_the_browsable_api_still_renders_errors_as_html_when_asked(user_client):
    response = user_client.get("/api/projects/999999/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_pages_outside_the_api_keep_djangos_error_pages(client):
    response = client.get("/admin-no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
    assert django_settings.ROOT_URLCONF == "config.urls"
