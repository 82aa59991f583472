"""Real-browser tests: Debian's Chromium driven by Playwright (headless) against `live_server`.

One Chromium per test module, a fresh browser context per test, and every
page of that context watched: a console error, an uncaught page error, a failed request or an
HTTP error status fails the test (`page_problems`, which `page` pulls in).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from config.ops.staff import ensure_triage_staff_group
from tests.browser import admin_pages
from tests.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 900}
# Playwright's own waits (a locator, a navigation), kept under a test's time budget.
TIMEOUT_MS = 5_000
STAFF_PASSWORD = "desk-staff-password"
User = get_user_model()


@contextmanager
def running_browser() -> Iterator[Browser]:
    """Playwright and one headless Chromium for the length of the block.

    While Playwright's sync API is started, this thread counts as running Playwright's event loop
    (its greenlets switch inside that loop, and Playwright marks the loop running again after
    every call). Django's ORM refuses to run in such a thread, so the block allows it
    (DJANGO_ALLOW_ASYNC_UNSAFE, the browser tests only); stopping Playwright clears the mark and
    the block puts the variable back, so the thread is as it was for the tests that follow.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: run `make browser` (as root)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_session() -> Iterator[Browser]:
    """One Chromium per test module: pytest tears a module's fixtures down before a test of
    another module runs (under xdist too), so no other test ever runs while it is started."""
    with running_browser() as browser:
        yield browser


class PageProblems:
    """What went wrong in the pages of one browser context, as lines for a failure message."""

    def __init__(self, context: BrowserContext):
        self.lines: list[str] = []
        context.on("console", self._console)
        context.on("weberror", lambda error: self.lines.append(f"page error: {error.error}"))
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    def report(self) -> str:
        return "the browser saw problems:\n  " + "\n  ".join(self.lines)

    def _console(self, message) -> None:
        if message.type == "error":
            self.lines.append(f"console error on {message.page.url if message.page else '?'}: {message.text}")

    def _request_failed(self, request) -> None:
        self.lines.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.lines.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture
def browser_context(browser_session, live_server) -> Iterator[BrowserContext]:
    context = browser_session.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page_problems(browser_context) -> PageProblems:
    return PageProblems(browser_context)


@pytest.fixture
def page(browser_context, page_problems) -> Page:
    return browser_context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test whose pages logged an error fails, as the test itself (not its teardown)."""
    problems = item.funcargs.get("page_problems")
    try:
        result = yield
    except BaseException as failure:
        if problems is not None and problems.lines:
            failure.add_note(problems.report())
        raise
    if problems is not None and problems.lines:
        raise AssertionError(problems.report())
    return result


def pytest_collection_modifyitems(config, items):
    """The screenshots for the docs are taken on demand only: `-m screenshots`."""
    if "screenshots" in (config.option.markexpr or ""):
        return
    skipped = [item for item in items if item.get_closest_marker("screenshots")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("screenshots")]


class _StaffSignIn:
    """The triage staff member signed in once per session through the login form, and what that
    left: the browser's cookies, the session row, the user's row. The test database is emptied
    after every browser test (live_server needs committed rows), so each later test puts the
    same user (same id and password hash, so the session still authenticates it) and the same
    session row back, and its browser context starts with the cookies."""

    def __init__(self):
        self.user_id: int | None = None
        self.password_hash = ""
        self.session: dict = {}
        self.cookies: list = []

    def create_member(self):
        member = UserFactory(
            id=self.user_id, username="tessa", first_name="Tessa", is_staff=True, password=STAFF_PASSWORD
        )
        member.groups.add(ensure_triage_staff_group())
        if self.password_hash:
            User.objects.filter(pk=member.pk).update(password=self.password_hash)
        return member

    def sign_in(self, page: Page, member) -> None:
        if self.cookies:
            Session.objects.create(**self.session)
            page.context.add_cookies(self.cookies)
            return
        admin_pages.log_in(page, username=member.username, password=STAFF_PASSWORD)
        self.cookies = page.context.storage_state()["cookies"]
        session_key = next(cookie["value"] for cookie in self.cookies if cookie["name"] == settings.SESSION_COOKIE_NAME)
        self.session = Session.objects.filter(session_key=session_key).values().get()
        self.user_id, self.password_hash = member.pk, User.objects.get(pk=member.pk).password


@pytest.fixture(scope="session")
def _staff_sign_in() -> _StaffSignIn:
    return _StaffSignIn()


@pytest.fixture
def triage_staff(transactional_db, _staff_sign_in):
    """A staff member of the "Triage staff" group, not a superuser."""
    return _staff_sign_in.create_member()


@pytest.fixture
def staff_page(page, triage_staff, _staff_sign_in) -> Page:
    """A page signed in as `triage_staff` (through the admin's login form once per session)."""
    _staff_sign_in.sign_in(page, triage_staff)
    return page
