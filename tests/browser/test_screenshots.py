"""Screenshots of the desk for the docs, taken on demand only (`make screenshots`, i.e.
`pytest -m screenshots tests/browser`): docs/screenshots/<name>.png at 1400x900, signed in as
triage staff, on the demo desk of demo_data.py."""

from pathlib import Path

import pytest

from tests.browser import admin_pages
from tests.browser.demo_data import demo_desk

pytestmark = [pytest.mark.browser, pytest.mark.screenshots]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# name -> the page's path on the demo desk
PAGES = {
    "admin-index": lambda desk: admin_pages.ADMIN,
    "issue-list": lambda desk: admin_pages.ISSUES,
    "issue": lambda desk: f"{admin_pages.ISSUES}{desk.issue.pk}/change/",
}


@pytest.mark.parametrize("name", PAGES)
def test_screenshot(staff_page, name):
    path = PAGES[name](demo_desk())
    staff_page.goto(path)
    SCREENSHOTS.mkdir(exist_ok=True)

    staff_page.screenshot(path=SCREENSHOTS / f"{name}.png")

    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
