"""The admin as triage staff use it, in Chromium: sign-in, the main pages, a decision."""

import pytest
from playwright.sync_api import expect

from tests.browser import admin_pages
from tests.browser.conftest import STAFF_PASSWORD
from tests.feedback.factories import AdjustmentFactory
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.browser


def test_triage_staff_sign_in_through_the_login_form(page, triage_staff):
    admin_pages.log_in(page, username=triage_staff.username, password=STAFF_PASSWORD)

    expect(page.locator("#user-tools")).to_contain_text("Tessa")


def test_the_signed_in_staff_page_is_signed_in_as_triage_staff(staff_page):
    staff_page.goto(admin_pages.ADMIN)

    expect(staff_page.locator("#user-tools")).to_contain_text("Tessa")


def test_a_wrong_password_is_refused_on_the_login_form(page, triage_staff):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(triage_staff.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_be_visible()


def test_the_admin_index_is_styled_by_its_stylesheet(staff_page):
    staff_page.goto(admin_pages.ADMIN)
    # Unstyled, the header has no background: the admin's CSS came from the static files.
    background = staff_page.locator("#header").evaluate("element => getComputedStyle(element).backgroundColor")

    assert background not in ("", "rgba(0, 0, 0, 0)", "transparent")


def test_the_issue_list_shows_the_issues(staff_page):
    issue = IssueFactory(title="Export button does nothing on Safari")

    staff_page.goto(admin_pages.ISSUES)

    expect(staff_page.locator("#result_list")).to_contain_text(issue.title)


def test_an_issue_page_opens_with_its_title(staff_page):
    issue = IssueFactory(title="Search results ignore the project filter")

    admin_pages.open_issue(staff_page, issue)

    expect(staff_page.locator("#id_title")).to_have_value(issue.title)


def test_the_adjustment_list_shows_the_proposed_adjustments(staff_page):
    adjustment = AdjustmentFactory(description="Raise the priority of the export task")

    staff_page.goto(admin_pages.ADJUSTMENTS)

    expect(staff_page.locator("#result_list")).to_contain_text(adjustment.description)


def test_applying_an_adjustment_changes_its_task(staff_page):
    adjustment = AdjustmentFactory(task__priority=3, proposed_value=1)

    admin_pages.apply_adjustment(staff_page, adjustment)
    admin_pages.open_task(staff_page, adjustment.task)

    assert admin_pages.task_priority(staff_page) == "1"
