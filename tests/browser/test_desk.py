"""The desk as triage staff use it, in Chromium: sign in, the index, the inbox's decisions, the
adjustment page, the dashboard. Any console error, script error or failed request on a page
visited fails the test (conftest.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from config.jobs.state import JobState
from issues.actors import Actor
from issues.choices import SuggestionKind, SuggestionState
from issues.models import Task
from issues.services import task_update
from llm.models import LLMCall
from tests.browser import admin_pages
from tests.browser.conftest import STAFF_PASSWORD
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory, TriageSuggestionFactory
from tests.reviews.factories import ReviewCommentFactory

pytestmark = pytest.mark.browser


def test_triage_staff_sign_in_through_the_login_form(page, triage_staff):
    admin_pages.log_in(page, username=triage_staff.username, password=STAFF_PASSWORD)

    expect(page.locator("#user-tools")).to_contain_text("Tessa")


def test_the_index_shows_triage_staff_the_desk_first_and_no_operations(staff_page):
    staff_page.goto(admin_pages.ADMIN)

    sections = admin_pages.index_sections(staff_page)
    expect(sections.first).to_have_text("Desk")
    expect(sections.filter(has_text="Operations")).to_have_count(0)


def test_the_issue_list_shows_the_issues(staff_page):
    issue = IssueFactory(title="Export button does nothing on Safari")

    staff_page.goto(admin_pages.ISSUES)

    expect(staff_page.locator("#result_list")).to_contain_text(issue.title)


def test_accepting_a_label_in_the_inbox_adds_it_and_the_issue_leaves_the_inbox(staff_page):
    project = ProjectFactory()
    LabelFactory(project=project, name="needs-design")
    suggestion = TriageSuggestionFactory(issue=IssueFactory(project=project), value={"label": "needs-design"})

    admin_pages.open_inbox(staff_page)
    admin_pages.decide(staff_page, suggestion, decision="accept", reason="Design review first")
    expect(admin_pages.inbox_row(staff_page, suggestion.issue)).to_have_count(0)
    admin_pages.open_issue(staff_page, suggestion.issue)

    expect(admin_pages.issue_labels(staff_page)).to_have_text(["needs-design"])
    expect(admin_pages.suggestion(staff_page, suggestion)).to_contain_text("Accepted by tessa: Design review first")


def test_dismissing_a_duplicate_in_the_inbox_takes_the_issue_out_and_leaves_it_open(staff_page):
    original = IssueFactory()
    suggestion = TriageSuggestionFactory(
        issue=IssueFactory(project=original.project),
        kind=SuggestionKind.DUPLICATE,
        value={"number": original.number, "issue_id": original.pk, "reason": "same export timeout"},
    )

    admin_pages.open_inbox(staff_page)
    admin_pages.decide(staff_page, suggestion, decision="dismiss", reason="A different export bug")
    expect(admin_pages.inbox_row(staff_page, suggestion.issue)).to_have_count(0)
    admin_pages.open_issue(staff_page, suggestion.issue)

    expect(admin_pages.suggestion(staff_page, suggestion)).to_contain_text("Dismissed by tessa: A different export bug")
    expect(staff_page.locator("#id_status")).to_have_value(suggestion.issue.status)


def test_applying_an_adjustment_on_its_page_changes_the_task(staff_page):
    adjustment = AdjustmentFactory(task__priority=3, proposed_value=1)

    admin_pages.open_adjustment(staff_page, adjustment)
    expect(admin_pages.adjustment_compare(staff_page).locator(".compare-priority")).to_contain_text("3")
    admin_pages.apply_adjustment(staff_page)
    admin_pages.open_task(staff_page, adjustment.task)

    assert admin_pages.task_priority(staff_page) == "1"


def test_a_drifted_adjustment_shows_the_drift_and_apply_anyway_applies_it(staff_page):
    adjustment = AdjustmentFactory(task__priority=3, proposed_value=1)
    carol = Actor.of_user(UserFactory(username="carol"))
    task_update(task=Task.objects.get(pk=adjustment.task_id), version=None, actor=carol, priority=5)

    admin_pages.open_adjustment(staff_page, adjustment)
    expect(admin_pages.adjustment_drift(staff_page)).to_contain_text("carol · priority: 3 → 5")
    admin_pages.apply_adjustment(staff_page, anyway=True)
    admin_pages.open_task(staff_page, adjustment.task)

    assert admin_pages.task_priority(staff_page) == "1"


def _a_week_of_the_desk() -> None:
    """A few rows for every chart of the dashboard, over the last days."""
    now = timezone.now()
    for days_ago in range(7):
        moment = now - timedelta(days=days_ago)
        issue = IssueFactory(triage_state=JobState.DONE, triaged_at=moment, archived_at=moment)
        TriageSuggestionFactory(issue=issue, state=SuggestionState.ACCEPTED, decided_at=moment)
        ReviewCommentFactory(outcome="helpful", outcome_at=moment, review__posted_at=moment)
    for outcome in ("ok", "cache_hit"):
        LLMCall.objects.create(
            purpose="issues.triage", model="m", outcome=outcome, request_hash="a" * 64, cost_usd=Decimal("0.02")
        )
    IssueFactory(triage_state=JobState.FAILED)


def test_the_dashboard_draws_every_chart_from_the_rows(staff_page):
    _a_week_of_the_desk()

    admin_pages.open_dashboard(staff_page)

    charts = admin_pages.charts(staff_page)
    expect(charts.first).to_be_visible()
    drawn = {charts.nth(i).get_attribute("id"): admin_pages.chart_values(charts.nth(i)) for i in range(charts.count())}
    assert [chart for chart, values in drawn.items() if not any(value > 0 for value in values)] == []
