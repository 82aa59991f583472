from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _resolved(assignee, hours, *, project=None, resolved_days_ago=1):
    resolved_at = timezone.now() - timedelta(days=resolved_days_ago)
    issue = IssueFactory(
        assignee=assignee, status="resolved", resolved_at=resolved_at, **({"project": project} if project else {})
    )
    type(issue).objects.filter(pk=issue.pk).update(created_at=resolved_at - timedelta(hours=hours))
    return issue


def test_top_assignees_orders_by_resolved_count_and_limits(user_client):
    alice, bob, carol = UserFactory(username="alice"), UserFactory(username="bob"), UserFactory(username="carol")
    for hours in (1, 2, 3):
        _resolved(alice, hours)
    _resolved(bob, 1)
    _resolved(bob, 1)
    _resolved(carol, 1)
    IssueFactory(assignee=carol, status="open")

    rows = user_client.get("/api/reports/top-assignees/?limit=2").json()

    assert rows == [
        {"assignee": alice.pk, "username": "alice", "resolved": 3},
        {"assignee": bob.pk, "username": "bob", "resolved": 2},
    ]


def test_top_assignees_filters_by_project_and_date_range(user_client):
    alice = UserFactory(username="alice")
    web = ProjectFactory(key="WEB")
    _resolved(alice, 1, project=web, resolved_days_ago=1)
    _resolved(alice, 1, project=web, resolved_days_ago=40)
    _resolved(alice, 1)
    since = (timezone.now() - timedelta(days=7)).isoformat()

    rows = user_client.get("/api/reports/top-assignees/", {"project": "WEB", "since": since}).json()

    assert rows == [{"assignee": alice.pk, "username": "alice", "resolved": 1}]


def test_resolution_time_gives_mean_and_median_per_assignee(user_client):
    alice = UserFactory(username="alice")
    for hours in (1, 2, 9):
        _resolved(alice, hours)
    _resolved(None, 4)

    rows = user_client.get("/api/reports/resolution-time/").json()

    by_name = {row["username"]: row for row in rows}
    assert (by_name["alice"]["resolved"], by_name["alice"]["mean_hours"], by_name["alice"]["median_hours"]) == (
        3,
        4.0,
        2.0,
    )
    assert by_name[None]["median_seconds"] == 4 * 3600


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=abc", "since=not-a-date", "project=NOPE", "since=2026-02-01T00:00Z&until=2026-01-01T00:00Z"],
)
def test_reports_reject_bad_parameters(user_client, query):
    assert user_client.get(f"/api/reports/top-assignees/?{query}").status_code == 400
