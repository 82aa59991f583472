"""What the browser tests do on the admin's pages, and how they find things there.

The selectors live here only, so a page that is rebuilt changes one function, not the tests.
"""

import re

from playwright.sync_api import Page, expect

ADMIN = "/admin/"
ISSUES = "/admin/issues/issue/"
ADJUSTMENTS = "/admin/feedback/adjustment/"


def log_in(page: Page, *, username: str, password: str) -> None:
    page.goto(f"{ADMIN}login/?next={ADMIN}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"{ADMIN}$"))


def open_issue(page: Page, issue) -> None:
    page.goto(f"{ISSUES}{issue.pk}/change/")


def open_task(page: Page, task) -> None:
    page.goto(f"/admin/issues/task/{task.pk}/change/")


def task_priority(page: Page) -> str:
    return page.locator("#id_priority").input_value()


def apply_adjustment(page: Page, adjustment) -> None:
    """Apply one proposed adjustment the way the admin offers it: select it on the list, run the
    "Apply selected adjustments" action, and wait for the admin's confirmation message."""
    page.goto(ADJUSTMENTS)
    page.locator(f'input[name="_selected_action"][value="{adjustment.pk}"]').check()
    page.locator('select[name="action"]').select_option("apply_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("ul.messagelist")).to_contain_text("1 adjustment(s) applied.")
