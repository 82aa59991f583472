"""What the browser tests do on the admin's pages, and how they find things there.

The selectors live here only, so a page that is rebuilt changes one function, not the tests.
The desk's pages have stable ids and classes for this (docs/admin.md, "Hooks for browser tests").
"""

import re

from playwright.sync_api import Locator, Page, expect

ADMIN = "/admin/"
ISSUES = "/admin/issues/issue/"
INBOX = "/admin/issues/issue/inbox/"
ADJUSTMENTS = "/admin/feedback/adjustment/"
DASHBOARD = "/admin/dashboard/"


def log_in(page: Page, *, username: str, password: str) -> None:
    page.goto(f"{ADMIN}login/?next={ADMIN}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"{ADMIN}$"))


def index_sections(page: Page) -> Locator:
    """The headings of the admin index's sections (Desk, the apps, Operations), in page order."""
    return page.locator("#content-main .module caption")


def open_issue(page: Page, issue) -> None:
    page.goto(f"{ISSUES}{issue.pk}/change/")


def issue_labels(page: Page) -> Locator:
    """The labels chosen on the issue form (a multiple select)."""
    return page.locator("#id_labels option:checked")


def latest_triage(page: Page) -> Locator:
    return page.locator("#issue-latest-triage")


def open_task(page: Page, task) -> None:
    page.goto(f"/admin/issues/task/{task.pk}/change/")


def task_priority(page: Page) -> str:
    return page.locator("#id_priority").input_value()


# The triage inbox


def open_inbox(page: Page) -> None:
    page.goto(INBOX)
    expect(page.locator("#triage-inbox")).to_be_visible()


def inbox_row(page: Page, issue) -> Locator:
    return page.locator(f"#inbox-issue-{issue.pk}")


def suggestion(page: Page, suggestion_row) -> Locator:
    return page.locator(f"#suggestion-{suggestion_row.pk}")


def decide(page: Page, suggestion_row, *, decision: str, reason: str = "") -> None:
    """Accept or dismiss (`decision`) one suggestion where it is shown, with a short reason, and
    wait for the page the decision leads back to."""
    shown = suggestion(page, suggestion_row)
    if reason:
        shown.locator("input[name=reason]").fill(reason)
    with page.expect_navigation():
        shown.locator(f"button[name={decision}]").click()


# Adjustments


def open_adjustment(page: Page, adjustment) -> None:
    """From the adjustment list to the adjustment's own page, as staff get there."""
    page.goto(ADJUSTMENTS)
    page.locator("#result_list").locator(f'a[href$="/adjustment/{adjustment.pk}/change/"]').first.click()
    expect(page.locator("#adjustment-review")).to_be_visible()


def adjustment_compare(page: Page) -> Locator:
    return page.locator("#adjustment-compare")


def adjustment_drift(page: Page) -> Locator:
    return page.locator("#adjustment-drift")


def apply_adjustment(page: Page, *, anyway: bool = False) -> None:
    """Click Apply (or, on a drifted adjustment, Apply anyway) and wait for the decided page."""
    page.locator("#adjustment-apply-force" if anyway else "#adjustment-apply").click()
    expect(page.locator("#adjustment-decided")).to_be_visible()


# The dashboard


def open_dashboard(page: Page) -> None:
    page.goto(DASHBOARD)


def charts(page: Page) -> Locator:
    return page.locator("figure.chart")


def chart_values(chart: Locator) -> list[float]:
    """The values drawn in one chart: its bars' and points' `data-value`."""
    values = chart.locator(".bar, .point").evaluate_all("marks => marks.map(mark => mark.getAttribute('data-value'))")
    return [float(value) for value in values]
