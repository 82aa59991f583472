"""The browser fixtures themselves: what the problem collector catches, and the thread left usable."""

import asyncio

import pytest

from tests.browser.conftest import PageProblems

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(browser_context):
    """A page of a context watched by a collector of its own, so the test can read what it caught
    (the collector every browser test has would fail the test instead)."""
    return browser_context.new_page(), PageProblems(browser_context)


def test_a_console_error_is_caught(watched):
    page, problems = watched

    page.goto("/admin/login/")
    page.evaluate("console.error('the inbox did not load')")

    assert any("the inbox did not load" in line for line in problems.lines)


def test_an_uncaught_script_error_is_caught(watched):
    page, problems = watched

    page.goto("/admin/login/")
    with page.expect_event("pageerror"):
        page.add_script_tag(content="setTimeout(() => { throw new Error('chart data missing') })")

    assert any("page error" in line and "chart data missing" in line for line in problems.lines)


def test_a_missing_stylesheet_is_caught(watched):
    page, problems = watched

    page.goto("/admin/login/")
    with page.expect_response("**/no-such-file.css"):
        page.evaluate(
            "document.head.insertAdjacentHTML('beforeend', '<link rel=stylesheet href=/static/no-such-file.css>')"
        )

    assert any(line.startswith("HTTP 404") and "no-such-file.css" in line for line in problems.lines)


def test_a_request_that_fails_is_caught(watched):
    page, problems = watched

    page.goto("/admin/login/")
    with page.expect_event("requestfailed"):
        page.evaluate("fetch('http://127.0.0.1:1/').catch(() => null)")

    assert any(line.startswith("request failed: GET http://127.0.0.1:1/") for line in problems.lines)


def test_between_browser_tests_the_thread_runs_no_event_loop(browser_session):
    # Other tests of this process use the ORM, which refuses to run inside an event loop.
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
