"""The dashboard (admin:dashboard): the last 30 days drawn in SVG from the rows."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from config.jobs.state import JOB_KINDS
from config.ops.staff import ensure_triage_staff_group
from issues.actors import LLM, Actor
from issues.choices import SuggestionKind, SuggestionState
from issues.models import Activity, Issue
from issues.services.activity import activity_record
from llm.models import LLMCall
from reviews.models import Delivery
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, ProjectFactory, TriageSuggestionFactory
from tests.reviews.factories import ReviewCommentFactory, ReviewFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def days_ago(days: int, hour: int = 12):
    return (timezone.now() - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def charts(response) -> dict[str, ET.Element]:
    """Every chart of the page by its slug, parsed as XML (so each SVG is well-formed too)."""
    found = {}
    for markup in re.findall(r"<svg viewBox=.*?</svg>", response.content.decode(), flags=re.S):
        svg = ET.fromstring(markup)
        found[svg.get("aria-labelledby").removeprefix("chart-").removesuffix("-title")] = svg
    return found


def marks(svg: ET.Element, series: str) -> list[tuple[str, str]]:
    """(data-value, title) of the series' bars and points, in drawing order."""
    return [
        (mark.get("data-value"), mark.find(f"{SVG}title").text)
        for mark in svg.iter()
        if f"series-{series}" in mark.get("class", "").split() and mark.get("data-value") is not None
    ]


def figures(response, panel: str) -> dict[str, str]:
    return dict(next(p for p in response.context["panels"] if p.title == panel).figures)


def open_issues(count: int, *, created: int, **fields) -> list[Issue]:
    issues = IssueFactory.create_batch(count, project=ProjectFactory())
    Issue.objects.filter(pk__in=[issue.pk for issue in issues]).update(created_at=days_ago(created), **fields)
    return issues


def test_only_staff_open_the_dashboard(client):
    client.force_login(UserFactory(is_staff=False))

    response = client.get("/admin/dashboard/")

    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/dashboard/")


def test_issues_opened_per_day_are_the_rows_created_that_day(staff_client):
    open_issues(3, created=0)
    open_issues(2, created=5)

    response = staff_client.get("/admin/dashboard/")

    opened = marks(charts(response)["issues-opened-triaged-and-archived-per-day"], "opened")
    day = days_ago(5)
    assert opened == [
        ("2", f"{day:%a %b} {day.day}: 2 opened"),
        ("3", f"{timezone.now():%a %b} {timezone.now().day}: 3 opened"),
    ]


def test_issues_triaged_and_archived_per_day_come_from_their_own_times(staff_client):
    open_issues(4, created=10, triage_state="done", triaged_at=days_ago(9))
    open_issues(1, created=10, triage_state="failed", triaged_at=days_ago(9), archived_at=days_ago(2))

    chart = charts(staff_client.get("/admin/dashboard/"))["issues-opened-triaged-and-archived-per-day"]

    assert [value for value, _ in marks(chart, "triaged")] == ["4"]
    assert [value for value, _ in marks(chart, "archived")] == ["1"]


def test_rows_older_than_the_thirty_days_are_left_out(staff_client):
    open_issues(1, created=30)
    open_issues(1, created=29)

    response = staff_client.get("/admin/dashboard/")

    assert figures(response, "Issues")["Opened"] == "1"


def decide(issue, kind, state, *, days: int = 1):
    TriageSuggestionFactory(issue=issue, kind=kind, value={kind: "x"}, state=state, decided_at=days_ago(days))


def log(*, actor, field, old, new, issue, days: int):
    entry = activity_record(actor=actor, field=field, old=old, new=new, issue=issue)
    Activity.objects.filter(pk=entry.pk).update(created_at=days_ago(days))


def test_triage_decisions_by_field_count_suggestions_people_decided(staff_client):
    issue, other_project_issue = IssueFactory(), IssueFactory()
    decide(issue, SuggestionKind.LABEL, SuggestionState.ACCEPTED)
    decide(other_project_issue, SuggestionKind.LABEL, SuggestionState.ACCEPTED)
    decide(issue, SuggestionKind.LABEL, SuggestionState.DISMISSED)
    decide(issue, SuggestionKind.DUPLICATE, SuggestionState.DISMISSED)
    decide(issue, SuggestionKind.LABEL, SuggestionState.OPEN)

    chart = charts(staff_client.get("/admin/dashboard/"))["triage-decisions-by-field"]

    assert [title for _, title in marks(chart, "accepted")] == ["Labels: 2 accepted (67%)"]
    assert [title for _, title in marks(chart, "dismissed")] == [
        "Labels: 1 dismissed (33%)",
        "Duplicates: 1 dismissed (100%)",
    ]


def test_triage_decisions_split_applied_values_kept_and_changed_by_hand(staff_client):
    person = Actor.of_user(UserFactory())
    corrected, kept = IssueFactory(), IssueFactory()
    for issue in (corrected, kept):
        log(actor=LLM, field="priority", old="medium", new="high", issue=issue, days=10)
    log(actor=person, field="priority", old="high", new="low", issue=corrected, days=8)

    chart = charts(staff_client.get("/admin/dashboard/"))["triage-decisions-by-field"]

    assert [title for _, title in marks(chart, "kept")] == ["Priority: 1 applied and kept (50%)"]
    assert [title for _, title in marks(chart, "changed")] == ["Priority: 1 changed by hand (50%)"]


def test_triage_decisions_before_the_thirty_days_are_left_out(staff_client):
    issue = IssueFactory()
    decide(issue, SuggestionKind.TYPE, SuggestionState.ACCEPTED, days=31)
    decide(issue, SuggestionKind.TYPE, SuggestionState.DISMISSED, days=2)

    response = staff_client.get("/admin/dashboard/")

    assert figures(response, "Triage decisions") == {"Decisions": "1", "Kept or accepted": "0%"}


def test_llm_calls_per_day_split_provider_calls_and_cache_hits_with_the_hit_rate(staff_client):
    for outcome, cost in (("ok", "0.010000"), ("ok", "0.020000"), ("cache_hit", None), ("rate_limited", None)):
        LLMCall.objects.create(
            purpose="issues.triage", model="m", outcome=outcome, request_hash="a" * 64, cost_usd=cost
        )

    response = staff_client.get("/admin/dashboard/")

    chart = charts(response)["llm-calls-per-day"]
    assert ([v for v, _ in marks(chart, "provider")], [v for v, _ in marks(chart, "cache-hits")]) == (["3"], ["1"])
    assert marks(chart, "cache-hits")[0][1].endswith(": 1 cache hits (25% of 4)")
    assert figures(response, "LLM") == {"Calls": "4", "Cache hit rate": "25%", "Cost": "$0.03"}


def test_llm_cost_is_a_point_per_day(staff_client):
    LLMCall.objects.create(purpose="p", model="m", outcome="ok", request_hash="a" * 64, cost_usd=Decimal("0.25"))

    points = marks(charts(staff_client.get("/admin/dashboard/"))["llm-cost-per-day"], "cost")

    assert [value for value, _ in points] == ["0"] * 29 + ["0.250000"]


def test_reviews_posted_and_findings_judged_per_day(staff_client):
    ReviewFactory.create_batch(2, posted_at=days_ago(3))
    ReviewFactory(posted_at=None)
    ReviewCommentFactory.create_batch(3, outcome="helpful", outcome_at=days_ago(1))
    ReviewCommentFactory(outcome="dismissed", outcome_at=days_ago(1))
    ReviewCommentFactory(outcome="")

    response = staff_client.get("/admin/dashboard/")

    findings = charts(response)["review-findings-helpful-or-dismissed-per-day"]
    assert [v for v, _ in marks(charts(response)["reviews-posted-per-day"], "posted")] == ["2"]
    assert ([v for v, _ in marks(findings, "helpful")], [v for v, _ in marks(findings, "dismissed")]) == (["3"], ["1"])


def test_jobs_now_has_a_row_for_every_registered_job_kind(staff_client):
    response = staff_client.get("/admin/dashboard/")

    jobs = next(p for p in response.context["panels"] if p.title == "Background jobs now").charts[0]
    assert [row[0].text for row in jobs.table_rows] == [kind.title for kind in JOB_KINDS]


def test_jobs_now_count_pending_running_and_failed_by_kind(staff_client):
    open_issues(2, created=40, triage_state="failed")
    open_issues(1, created=40, triage_state="pending", plan_state="running")

    chart = charts(staff_client.get("/admin/dashboard/"))["jobs-pending-running-and-failed-by-kind"]

    assert [title for _, title in marks(chart, "failed")] == ["Triage: 2 failed"]
    assert [title for _, title in marks(chart, "pending")] == ["Triage: 1 pending"]
    assert [title for _, title in marks(chart, "running")] == ["Planning: 1 running"]


def test_a_failed_count_opens_the_list_of_those_rows(staff_client):
    failed = open_issues(2, created=40, triage_state="failed")
    open_issues(1, created=40, triage_state="done")

    dashboard = staff_client.get("/admin/dashboard/").content.decode()
    link = "/admin/issues/issue/?triage_state__exact=failed"
    listed = staff_client.get(link)

    assert f'<a href="{link}">2</a>' in dashboard
    assert sorted(issue.pk for issue in listed.context["cl"].result_list) == sorted(issue.pk for issue in failed)


def test_a_failed_count_links_only_to_lists_the_viewer_may_open(client):
    member = UserFactory(is_staff=True)
    member.groups.add(ensure_triage_staff_group())
    client.force_login(member)
    Delivery.objects.create(delivery_id="d-1", event="issues", payload={}, state="failed")
    open_issues(1, created=40, triage_state="failed")

    dashboard = client.get("/admin/dashboard/").content.decode()

    assert "/admin/issues/issue/?triage_state__exact=failed" in dashboard
    assert "/admin/reviews/delivery/?" not in dashboard


def test_the_empty_dashboard_draws_every_chart_empty(staff_client):
    response = staff_client.get("/admin/dashboard/")

    drawn = charts(response)
    values = [mark.get("data-value") for svg in drawn.values() for mark in svg.iter() if mark.get("data-value")]
    assert response.status_code == 200
    assert len(drawn) == len(re.findall(r'class="chart chart-\w+ chart-empty"', response.content.decode()))
    assert set(values) == {"0"}


def test_the_dashboard_costs_the_same_queries_however_many_rows(staff_client, django_assert_num_queries):
    for created in range(0, 30, 3):
        open_issues(2, created=created, triage_state="failed", triaged_at=days_ago(created), archived_at=days_ago(1))
    ReviewCommentFactory.create_batch(2, outcome="helpful", outcome_at=days_ago(1), review__posted_at=days_ago(2))
    LLMCall.objects.create(purpose="p", model="m", outcome="ok", request_hash="a" * 64)
    decide(IssueFactory(), SuggestionKind.LABEL, SuggestionState.DISMISSED)
    labelled = IssueFactory()
    log(actor=LLM, field="labels", old=[], new=["bug"], issue=labelled, days=3)
    log(actor=Actor.of_user(UserFactory()), field="labels", old=["bug"], new=[], issue=labelled, days=2)

    # session, user; issues opened, triaged, archived; triage_stats: suggestions decided, values
    # applied (grouped), label writes a person changed after, their removals, project keys; LLM;
    # reviews; findings; jobs (one UNION)
    with django_assert_num_queries(14):
        staff_client.get("/admin/dashboard/")


def test_every_series_has_a_colour_of_its_own(staff_client):
    page = staff_client.get("/admin/dashboard/").content.decode()

    legend = set(re.findall(r'class="swatch series-([\w-]+)"', page))
    assert len(legend) > 10
    assert [key for key in sorted(legend) if not re.search(rf"\.series-{key}\b[^{{]*\{{[^}}]*fill:", page)] == []
