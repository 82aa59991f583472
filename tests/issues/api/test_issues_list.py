from datetime import timedelta

import pytest
from django.utils import timezone

from issues.models import Issue
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_needs_authentication(api_client):
    assert api_client.get("/api/issues/").status_code == 401


def test_list_is_paginated_newest_first(user_client):
    older = IssueFactory()
    newer = IssueFactory()

    body = user_client.get("/api/issues/?page_size=1").json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk]
    assert body["next"] is not None
    assert older.pk not in [row["id"] for row in body["results"]]


def test_list_shows_key_labels_and_assignee(user_client):
    project = ProjectFactory(key="WEB")
    alice = UserFactory(username="alice")
    issue = IssueFactory(project=project, assignee=alice, labels=[LabelFactory(project=project, name="ui")])

    row = user_client.get("/api/issues/").json()["results"][0]

    assert (row["id"], row["key"], row["labels"], row["assignee_username"]) == (issue.pk, "WEB-1", ["ui"], "alice")


@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_list_query_count_does_not_grow_with_page_size(user_client, django_assert_num_queries, page_size):
    project = ProjectFactory()
    labels = LabelFactory.create_batch(2, project=project)
    for _ in range(50):
        IssueFactory(project=project, assignee=UserFactory(), labels=labels)

    # token auth, count, page (label names come in the page query)
    with django_assert_num_queries(3):
        response = user_client.get(f"/api/issues/?page_size={page_size}&label={labels[0].name}")

    assert len(response.json()["results"]) == page_size


def test_filter_by_project_id_or_key(user_client):
    web = ProjectFactory(key="WEB")
    mine = IssueFactory(project=web)
    IssueFactory()

    assert _ids(user_client.get(f"/api/issues/?project={web.pk}")) == [mine.pk]
    assert _ids(user_client.get("/api/issues/?project=web")) == [mine.pk]


def test_filter_by_status_accepts_several(user_client):
    open_issue = IssueFactory(status="open")
    doing = IssueFactory(status="in_progress")
    IssueFactory(status="closed")

    assert set(_ids(user_client.get("/api/issues/?status=open&status=in_progress"))) == {open_issue.pk, doing.pk}


def test_filter_by_priority_and_type(user_client):
    wanted = IssueFactory(priority="critical", type="feature")
    IssueFactory(priority="critical", type="bug")
    IssueFactory(priority="low", type="feature")

    assert _ids(user_client.get("/api/issues/?priority=critical&type=feature")) == [wanted.pk]


def test_unknown_enum_value_in_a_filter_is_a_400(user_client):
    response = user_client.get("/api/issues/?status=bogus")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_filter_by_label_requires_every_label(user_client):
    project = ProjectFactory()
    bug, ui = LabelFactory(project=project, name="bug"), LabelFactory(project=project, name="ui")
    both = IssueFactory(project=project, labels=[bug, ui])
    only_bug = IssueFactory(project=project, labels=[bug])

    assert set(_ids(user_client.get("/api/issues/?label=BUG"))) == {both.pk, only_bug.pk}
    assert _ids(user_client.get("/api/issues/?label=bug&label=ui")) == [both.pk]


def test_filter_by_assignee_id_username_or_none(user_client):
    alice = UserFactory(username="alice")
    hers = IssueFactory(assignee=alice)
    nobodys = IssueFactory(assignee=None)

    assert _ids(user_client.get(f"/api/issues/?assignee={alice.pk}")) == [hers.pk]
    assert _ids(user_client.get("/api/issues/?assignee=alice")) == [hers.pk]
    assert _ids(user_client.get("/api/issues/?assignee=none")) == [nobodys.pk]


def test_archived_issues_are_hidden_unless_asked_for(user_client):
    live = IssueFactory()
    archived = IssueFactory(archived_at=timezone.now())

    assert _ids(user_client.get("/api/issues/")) == [live.pk]
    assert _ids(user_client.get("/api/issues/?archived=true")) == [archived.pk]
    assert set(_ids(user_client.get("/api/issues/?archived=any"))) == {live.pk, archived.pk}


def test_an_archived_issue_is_still_reachable_by_id(user_client):
    archived = IssueFactory(archived_at=timezone.now())

    assert user_client.get(f"/api/issues/{archived.pk}/").status_code == 200


def test_ordering_by_priority_puts_critical_first(user_client):
    low = IssueFactory(priority="low")
    critical = IssueFactory(priority="critical")
    medium = IssueFactory(priority="medium")

    assert _ids(user_client.get("/api/issues/?ordering=priority")) == [critical.pk, medium.pk, low.pk]
    assert _ids(user_client.get("/api/issues/?ordering=-priority")) == [low.pk, medium.pk, critical.pk]


def test_ordering_by_last_activity(user_client):
    stale = IssueFactory()
    fresh = IssueFactory()
    type(stale).objects.filter(pk=fresh.pk).update(last_activity_at=timezone.now() - timedelta(days=3))

    assert _ids(user_client.get("/api/issues/?ordering=last_activity_at")) == [fresh.pk, stale.pk]


def test_search_matches_title_and_body_and_ranks_title_first(user_client):
    in_body = IssueFactory(title="Payment page", body="The invoice total is wrong")
    in_title = IssueFactory(title="Invoice total wrong", body="See the payment page")
    IssueFactory(title="Unrelated", body="Nothing to see")

    assert _ids(user_client.get("/api/issues/?search=invoice")) == [in_title.pk, in_body.pk]


def test_search_understands_word_forms_and_phrases(user_client):
    crash = IssueFactory(title="App crashes on start", body="")
    IssueFactory(title="Crash reporter docs", body="crashing is documented")

    assert _ids(user_client.get('/api/issues/?search="crashes on start"')) == [crash.pk]


def test_search_with_explicit_ordering_uses_that_ordering(user_client):
    first = IssueFactory(title="Invoice wrong", body="")
    second = IssueFactory(title="Other", body="invoice mentioned")

    assert _ids(user_client.get("/api/issues/?search=invoice&ordering=created_at")) == [first.pk, second.pk]


def test_the_fast_issue_representation_equals_drf_field_by_field(user_client):
    from rest_framework import serializers

    from issues.api.serializers import IssueSerializer
    from issues.selectors import issue_queryset

    project = ProjectFactory()
    issue = IssueFactory(
        project=project,
        assignee=UserFactory(),
        labels=[LabelFactory(project=project, name="UI"), LabelFactory(project=project, name="bug")],
        resolved_at=timezone.now(),
        triage_confidence=0.75,
    )
    stored = issue_queryset().get(pk=issue.pk)

    fast = IssueSerializer(stored).data
    generic = serializers.ModelSerializer.to_representation(IssueSerializer(stored), stored)

    assert fast == generic
    assert fast["labels"] == ["UI", "bug"]


def test_list_queries_are_not_distinct_so_they_can_walk_an_index(user_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IssueFactory()

    with CaptureQueriesContext(connection) as queries:
        user_client.get("/api/issues/?status=open&priority=medium&type=bug")

    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)


DETAIL_ONLY = ("latest_triage", "latest_plan", "suggestions", "duplicates")


def test_a_list_row_equals_the_issue_detail(user_client):
    project = ProjectFactory()
    issue = IssueFactory(project=project, assignee=UserFactory(), labels=[LabelFactory(project=project)])

    listed = user_client.get("/api/issues/").json()["results"][0]

    detail = user_client.get(f"/api/issues/{issue.pk}/").json()
    # The detail adds the latest triage and plan runs, suggestions and duplicates (IssueDetailSerializer).
    assert listed == {name: value for name, value in detail.items() if name not in DETAIL_ONLY}


def _detail_without_runs(client, pk) -> dict:
    detail = client.get(f"/api/issues/{pk}/").json()
    return {name: value for name, value in detail.items() if name not in DETAIL_ONLY}


def test_list_timestamps_written_by_postgresql_equal_drfs_with_and_without_microseconds(user_client):
    whole_second = timezone.now().replace(microsecond=0) - timedelta(days=3)
    issue = IssueFactory(resolved_at=whole_second, triaged_at=whole_second.replace(microsecond=5))
    Issue.objects.filter(pk=issue.pk).update(created_at=whole_second)

    listed = user_client.get("/api/issues/").json()["results"][0]

    assert listed == _detail_without_runs(user_client, issue.pk)
    assert listed["created_at"] == listed["resolved_at"] == whole_second.isoformat().replace("+00:00", "Z")
    assert listed["triaged_at"].endswith(".000005Z")


def test_in_another_current_time_zone_the_list_still_equals_the_detail(user_client):
    from zoneinfo import ZoneInfo

    issue = IssueFactory(resolved_at=timezone.now())

    with timezone.override(ZoneInfo("Europe/Paris")):
        listed = user_client.get("/api/issues/").json()["results"][0]
        detail = _detail_without_runs(user_client, issue.pk)

    assert listed == detail
    assert listed["created_at"].endswith(("+01:00", "+02:00"))


def test_the_page_count_does_not_compute_label_names(user_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IssueFactory()

    with CaptureQueriesContext(connection) as queries:
        user_client.get("/api/issues/?status=open")

    count = next(query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper())
    assert "ARRAY(" not in count.upper()
    assert "JOIN" not in count.upper()


def test_a_page_size_over_100_is_capped_at_100_as_before(user_client):
    IssueFactory.create_batch(101)

    response = user_client.get("/api/issues/?page_size=500")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=-5", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=abc", "page_size"),
        ("ordering=bogus", "ordering"),
        ("ordering=created_at,-bogus", "ordering"),
        ("assignee=nobody", "assignee"),
        ("assignee=999999", "assignee"),
        ("project=NOPE", "project"),
        ("status=bogus", "status"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(user_client, query, field):
    IssueFactory()

    response = user_client.get(f"/api/issues/?{query}")

    assert response.status_code == 400, response.content
    assert (response.json()["error"]["type"], list(response.json()["error"]["fields"])) == ("validation_error", [field])


@pytest.mark.parametrize(
    "path", ["/api/projects/", "/api/labels/", "/api/tasks/", "/api/feedback/", "/api/reviews/pulls/"]
)
@pytest.mark.parametrize(("query", "field"), [("ordering=bogus", "ordering"), ("page_size=-5", "page_size")])
def test_every_list_refuses_an_unknown_ordering_and_a_bad_page_size(user_client, path, query, field):
    response = user_client.get(f"{path}?{query}")

    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, [field])
