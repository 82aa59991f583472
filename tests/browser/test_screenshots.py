"""Screenshots of the desk for the docs, taken on demand only (`make screenshots`, i.e.
`pytest -m screenshots tests/browser`): docs/screenshots/<name>.png at 1400x900, signed in as
triage staff, on the demo desk of demo_data.py (and its month of activity for the dashboard)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import admin_pages
from tests.browser.demo_data import demo_desk, demo_month

pytestmark = [pytest.mark.browser, pytest.mark.screenshots]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _inbox(page) -> None:
    demo_desk()
    admin_pages.open_inbox(page)


def _issue(page) -> None:
    admin_pages.open_issue(page, demo_desk().issue)
    expect(admin_pages.latest_triage(page)).to_be_visible()


def _dashboard(page) -> None:
    demo_desk()
    demo_month()
    admin_pages.open_dashboard(page)
    expect(admin_pages.charts(page).first).to_be_visible()


# name -> how to build the desk and open the page
PAGES = {"inbox": _inbox, "issue": _issue, "dashboard": _dashboard}


@pytest.mark.parametrize("name", PAGES)
def test_screenshot(staff_page, name):
    PAGES[name](staff_page)
    SCREENSHOTS.mkdir(exist_ok=True)

    staff_page.screenshot(path=SCREENSHOTS / f"{name}.png")

    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
