"""The problem collector: what it catches in a browser context's pages.

These pages come from a made-up origin answered by the browser itself (`context.route`), so the
tests need no server and no database."""

import pytest

from tests.browser.conftest import PageProblems

pytestmark = pytest.mark.browser

ORIGIN = "http://desk.test"


def _answer(route) -> None:
    if route.request.url == f"{ORIGIN}/":
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>desk</title><p>desk</p>")
    else:
        route.fulfill(status=404, content_type="text/plain", body="not found")


@pytest.fixture
def watched(browser_session):
    """A page at ORIGIN watched by a collector the test reads (the collector every `page` has
    would fail the test instead)."""
    context = browser_session.new_context()
    context.route(f"{ORIGIN}/**", _answer)
    problems = PageProblems(context)
    page = context.new_page()
    page.goto(f"{ORIGIN}/")
    yield page, problems
    context.close()


def test_a_console_error_is_caught(watched):
    page, problems = watched

    page.evaluate("console.error('the inbox did not load')")

    assert any("the inbox did not load" in line for line in problems.lines)


def test_an_uncaught_script_error_is_caught(watched):
    page, problems = watched

    with page.expect_event("pageerror"):
        page.add_script_tag(content="setTimeout(() => { throw new Error('chart data missing') })")

    assert any("page error" in line and "chart data missing" in line for line in problems.lines)


def test_a_missing_stylesheet_is_caught(watched):
    page, problems = watched

    with page.expect_response("**/no-such-file.css"):
        page.evaluate("document.head.insertAdjacentHTML('beforeend', '<link rel=stylesheet href=/no-such-file.css>')")

    assert any(line.startswith("HTTP 404") and "no-such-file.css" in line for line in problems.lines)


def test_a_request_that_fails_is_caught(watched):
    page, problems = watched

    with page.expect_event("requestfailed"):
        page.evaluate("fetch('http://127.0.0.1:1/').catch(() => null)")

    assert any(line.startswith("request failed: GET http://127.0.0.1:1/") for line in problems.lines)
