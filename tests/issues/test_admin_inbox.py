"""The triage inbox: the issues whose latest triage left something for a person, and the
Accept / Dismiss buttons of their suggestions."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.jobs.state import JobState
from issues.choices import IssueStatus, SuggestionKind, SuggestionState
from issues.inbox import INBOX_PAGE_SIZE
from issues.models import Activity, Issue, TriageSuggestion
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory, TriageSuggestionFactory

pytestmark = pytest.mark.django_db

INBOX = "/admin/issues/issue/inbox/"


def decide_url(suggestion):
    return f"/admin/issues/issue/suggestions/{suggestion.pk}/decide/"


def listed(client, query=""):
    response = client.get(f"{INBOX}{query}")
    assert response.status_code == 200
    return [issue.pk for issue in response.context["page"]]


def _triaged(**fields):
    now = timezone.now()
    return IssueFactory(triage_state=JobState.DONE, triaged_at=now, **fields)


def _low_confidence_issue(**fields):
    issue = _triaged(triage_confidence=0.2, **fields)
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=issue.triaged_at - timedelta(minutes=1))
    return issue


def test_the_inbox_is_reachable_by_its_admin_url_name(triage_staff_client):
    from django.urls import reverse

    assert reverse("admin:triage_inbox") == INBOX


def test_an_issue_with_an_open_suggestion_waits_in_the_inbox(triage_staff_client):
    waiting = TriageSuggestionFactory().issue
    _triaged(triage_confidence=0.9)

    assert listed(triage_staff_client) == [waiting.pk]


def test_an_issue_whose_triage_failed_waits_in_the_inbox(triage_staff_client):
    failed = IssueFactory(triage_state=JobState.FAILED, triage_error="LLM timed out")

    response = triage_staff_client.get(INBOX)

    assert [issue.pk for issue in response.context["page"]] == [failed.pk]
    assert "Triage failed: LLM timed out" in response.content.decode()


def test_a_low_confidence_triage_waits_until_a_person_acts_on_the_issue(triage_staff_client, settings):
    settings.TRIAGE_LOW_CONFIDENCE = 0.5
    untouched = _low_confidence_issue()
    looked_at = _low_confidence_issue()
    Issue.objects.filter(pk=looked_at.pk).update(last_activity_at=looked_at.triaged_at + timedelta(minutes=5))

    assert listed(triage_staff_client) == [untouched.pk]


def test_the_low_confidence_threshold_is_a_setting(triage_staff_client, settings):
    _low_confidence_issue()  # confidence 0.2
    settings.TRIAGE_LOW_CONFIDENCE = 0.1

    assert listed(triage_staff_client) == []


def test_archived_and_closed_issues_do_not_wait(triage_staff_client):
    TriageSuggestionFactory(issue=IssueFactory(archived_at=timezone.now()))
    TriageSuggestionFactory(issue=IssueFactory(status=IssueStatus.CLOSED))

    assert listed(triage_staff_client) == []


def test_the_inbox_filters_by_project(triage_staff_client):
    mine = TriageSuggestionFactory().issue
    TriageSuggestionFactory()

    assert listed(triage_staff_client, f"?project={mine.project_id}") == [mine.pk]


def test_the_inbox_filters_by_kind_of_suggestion(triage_staff_client):
    question = TriageSuggestionFactory(kind=SuggestionKind.QUESTION, value={"question": "Which browser?"}).issue
    TriageSuggestionFactory()

    assert listed(triage_staff_client, "?kind=question") == [question.pk]


def test_the_inbox_filters_by_age(triage_staff_client):
    old = TriageSuggestionFactory().issue
    Issue.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    TriageSuggestionFactory()

    assert listed(triage_staff_client, "?age=older") == [old.pk]


def test_a_page_holds_a_hundred_issues(triage_staff_client):
    project = ProjectFactory()
    for _ in range(INBOX_PAGE_SIZE + 1):
        TriageSuggestionFactory(issue=IssueFactory(project=project))

    response = triage_staff_client.get(INBOX)

    assert len(response.context["page"].object_list) == INBOX_PAGE_SIZE
    assert response.context["page"].paginator.num_pages == 2


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_the_inbox_query_count_does_not_grow_with_the_page(triage_staff_client):
    project = ProjectFactory()
    for _ in range(3):
        TriageSuggestionFactory(issue=IssueFactory(project=project))
    few = _inbox_queries(triage_staff_client)

    for _ in range(30):
        issue = IssueFactory(project=ProjectFactory())
        TriageSuggestionFactory(issue=issue)
        TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})

    assert _inbox_queries(triage_staff_client) == few


def test_the_inbox_renders_in_a_fixed_number_of_queries(triage_staff_client, django_assert_num_queries):
    TriageSuggestionFactory()
    # session, user, user's permissions (group and own), count, page, its suggestions, projects
    with django_assert_num_queries(8):
        triage_staff_client.get(INBOX)


def test_each_suggestion_has_accept_and_dismiss_buttons(triage_staff_client):
    suggestion = TriageSuggestionFactory()

    html = triage_staff_client.get(INBOX).content.decode()

    assert f'id="suggestion-{suggestion.pk}"' in html
    assert 'name="accept"' in html
    assert 'name="dismiss"' in html
    assert 'id="triage-inbox"' in html


def test_accept_adds_the_label_and_the_issue_leaves_the_inbox(triage_staff_client, triage_staff):
    project = ProjectFactory()
    LabelFactory(project=project, name="needs-design")
    suggestion = TriageSuggestionFactory(issue=IssueFactory(project=project), value={"label": "needs-design"})

    response = triage_staff_client.post(decide_url(suggestion), {"accept": "1", "next": INBOX})

    assert (response.status_code, response["Location"]) == (303, INBOX)
    assert [label.name for label in Issue.objects.get(pk=suggestion.issue_id).labels.all()] == ["needs-design"]
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.decided_by) == (SuggestionState.ACCEPTED, triage_staff)
    assert listed(triage_staff_client) == []


def test_dismiss_records_the_reason_in_the_activity_history(triage_staff_client):
    suggestion = TriageSuggestionFactory()

    triage_staff_client.post(decide_url(suggestion), {"dismiss": "1", "reason": "We do not use that label"})

    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.decision_reason) == (SuggestionState.DISMISSED, "We do not use that label")
    activity = Activity.objects.get(issue=suggestion.issue, field="triage_suggestion")
    assert activity.new_value["reason"] == "We do not use that label"


def test_accepting_a_duplicate_can_close_this_one(triage_staff_client):
    project = ProjectFactory()
    original = IssueFactory(project=project)
    newer = IssueFactory(project=project)
    suggestion = TriageSuggestionFactory(
        issue=newer, kind=SuggestionKind.DUPLICATE, value={"number": original.number, "issue_id": original.pk}
    )

    triage_staff_client.post(decide_url(suggestion), {"accept": "1", "close": "1"})

    newer.refresh_from_db()
    assert (newer.duplicate_of_id, newer.status) == (original.pk, IssueStatus.CLOSED)


def test_a_duplicate_suggestion_offers_to_close_this_one(triage_staff_client):
    original = IssueFactory()
    TriageSuggestionFactory(
        issue=IssueFactory(project=original.project),
        kind=SuggestionKind.DUPLICATE,
        value={"number": original.number, "issue_id": original.pk},
    )

    html = triage_staff_client.get(INBOX).content.decode()

    assert "and close this one" in html
    assert f'href="/admin/issues/issue/{original.pk}/change/"' in html


def test_deciding_a_decided_suggestion_says_so_and_changes_nothing(triage_staff_client):
    suggestion = TriageSuggestionFactory(state=SuggestionState.DISMISSED)

    response = triage_staff_client.post(decide_url(suggestion), {"accept": "1"}, follow=True)

    assert "not decided" in response.content.decode()
    assert TriageSuggestion.objects.get(pk=suggestion.pk).state == SuggestionState.DISMISSED
    assert not Issue.objects.get(pk=suggestion.issue_id).labels.exists()


def test_a_post_without_a_decision_is_a_bad_request(triage_staff_client):
    suggestion = TriageSuggestionFactory()

    response = triage_staff_client.post(decide_url(suggestion), {"reason": "?"})

    assert response.status_code == 400
    assert TriageSuggestion.objects.get(pk=suggestion.pk).state == SuggestionState.OPEN


def test_after_a_decision_an_outside_next_address_is_not_followed(triage_staff_client):
    suggestion = TriageSuggestionFactory()

    response = triage_staff_client.post(decide_url(suggestion), {"dismiss": "1", "next": "https://evil.example/"})

    assert response["Location"] == f"/admin/issues/issue/{suggestion.issue_id}/change/"


def test_a_decision_without_the_csrf_token_is_refused(triage_staff):
    suggestion = TriageSuggestionFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(triage_staff)

    response = client.post(decide_url(suggestion), {"dismiss": "1"})

    assert response.status_code == 403
    assert TriageSuggestion.objects.get(pk=suggestion.pk).state == SuggestionState.OPEN


def test_a_plain_user_cannot_open_the_inbox_or_decide(client):
    suggestion = TriageSuggestionFactory()
    client.force_login(UserFactory())

    page = client.get(INBOX)
    decision = client.post(decide_url(suggestion), {"dismiss": "1"})

    assert (page.status_code, decision.status_code) == (302, 302)
    assert TriageSuggestion.objects.get(pk=suggestion.pk).state == SuggestionState.OPEN


def test_staff_who_may_only_view_issues_see_the_inbox_without_buttons_and_cannot_decide(client):
    suggestion = TriageSuggestionFactory()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client.force_login(viewer)

    html = client.get(INBOX).content.decode()
    decision = client.post(decide_url(suggestion), {"dismiss": "1"})

    assert f'id="suggestion-{suggestion.pk}"' in html
    assert 'name="accept"' not in html
    assert decision.status_code == 403


def test_a_big_backlog_is_counted_only_up_to_a_limit(triage_staff_client, monkeypatch):
    monkeypatch.setattr("issues.inbox.INBOX_PAGE_SIZE", 1)
    monkeypatch.setattr("issues.inbox.INBOX_COUNT_UP_TO", 2)
    project = ProjectFactory()
    for _ in range(4):
        TriageSuggestionFactory(issue=IssueFactory(project=project))

    response = triage_staff_client.get(INBOX)

    assert "More than 2 issues waiting for a person." in response.content.decode()
    assert response.context["page"].has_next()


def test_a_page_past_the_counting_limit_still_shows_its_issues(triage_staff_client, monkeypatch):
    monkeypatch.setattr("issues.inbox.INBOX_PAGE_SIZE", 1)
    monkeypatch.setattr("issues.inbox.INBOX_COUNT_UP_TO", 1)
    project = ProjectFactory()
    oldest_first = [TriageSuggestionFactory(issue=IssueFactory(project=project)).issue for _ in range(4)]

    response = triage_staff_client.get(f"{INBOX}?page=3")

    assert [issue.pk for issue in response.context["page"]] == [oldest_first[1].pk]
