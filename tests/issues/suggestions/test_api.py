"""POST /api/issues/{id}/suggestions/{sid}/accept|dismiss, the issue detail's suggestions and
duplicates, and GET /api/issues/triage-stats/."""

import pytest

from issues.choices import SuggestionKind, SuggestionState
from issues.models import Issue, TriageSuggestion
from tests.issues.factories import IssueFactory, ProjectFactory, TriageRunFactory, TriageSuggestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def priority():
    issue = IssueFactory(priority="medium", priority_set_by_human=True)
    return TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})


def _url(suggestion, decision, slash="/"):
    return f"/api/issues/{suggestion.issue_id}/suggestions/{suggestion.pk}/{decision}{slash}"


def _state(suggestion):
    return TriageSuggestion.objects.get(pk=suggestion.pk).state


def test_accepting_answers_the_decided_suggestion_and_the_changed_issue(user_client, user, priority):
    response = user_client.post(_url(priority, "accept"), {"reason": "Agreed"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["suggestion"]["state"], body["suggestion"]["decided_by_username"]) == ("accepted", user.username)
    assert (body["issue"]["priority"], body["issue"]["version"]) == ("high", priority.issue.version + 1)


def test_accept_is_routed_without_the_trailing_slash_too(user_client, priority):
    response = user_client.post(_url(priority, "accept", slash=""), {}, format="json")

    assert (response.status_code, _state(priority)) == (200, "accepted")


def test_dismiss_is_routed_without_the_trailing_slash_too(user_client, priority):
    response = user_client.post(_url(priority, "dismiss", slash=""), {"reason": "No"}, format="json")

    assert (response.status_code, response.json()["suggestion"]["decision_reason"]) == (200, "No")


def test_a_suggestion_of_another_issue_is_a_404(user_client, priority):
    other = IssueFactory()

    response = user_client.post(f"/api/issues/{other.pk}/suggestions/{priority.pk}/accept/", {}, format="json")

    assert (response.status_code, _state(priority)) == (404, "open")


def test_deciding_a_decided_suggestion_is_a_409_already_decided(user_client, priority):
    user_client.post(_url(priority, "dismiss"), {}, format="json")

    response = user_client.post(_url(priority, "accept"), {}, format="json")

    assert (response.status_code, response.json()["error"]["type"]) == (409, "already_decided")
    assert Issue.objects.get(pk=priority.issue_id).priority == "medium"


@pytest.mark.parametrize(
    "body",
    [{"reason": "ok", "force": True}, {"reason": 5}, {"close": "maybe"}, {"close": True}, {"version": 0}],
    ids=["unknown-field", "reason-not-text", "close-not-boolean", "close-on-a-priority", "version-below-1"],
)
def test_a_bad_accept_body_is_a_400_and_changes_nothing(user_client, priority, body):
    response = user_client.post(_url(priority, "accept"), body, format="json")

    assert (response.status_code, response.json()["error"]["type"]) == (400, "validation_error")
    assert (_state(priority), Issue.objects.get(pk=priority.issue_id).priority) == ("open", "medium")


def test_accepting_with_a_stale_issue_version_is_a_409(user_client, priority):
    response = user_client.post(_url(priority, "accept"), {"version": priority.issue.version + 1}, format="json")

    assert (response.status_code, response.json()["error"]["type"], _state(priority)) == (
        409,
        "version_conflict",
        "open",
    )


def test_an_unknown_label_the_project_may_not_create_is_a_409_naming_it(user_client):
    suggestion = TriageSuggestionFactory(value={"label": "needs-design"})

    response = user_client.post(_url(suggestion, "accept"), {}, format="json")

    assert (response.status_code, response.json()["error"]["type"]) == (409, "label_not_in_project")


def test_deciding_needs_authentication(api_client, priority):
    response = api_client.post(_url(priority, "dismiss"), {}, format="json")

    assert (response.status_code, _state(priority)) == (401, "open")


def test_the_issue_detail_shows_the_latest_triages_suggestions_with_their_state(user_client):
    issue = IssueFactory()
    old = TriageSuggestionFactory(issue=issue, state=SuggestionState.SUPERSEDED)
    latest = TriageRunFactory(issue=issue)
    decided = TriageSuggestionFactory(issue=issue, run=latest, state=SuggestionState.DISMISSED)
    still_open = TriageSuggestionFactory(issue=issue, run=latest, kind="question", value={"question": "Which OS?"})

    shown = user_client.get(f"/api/issues/{issue.pk}/").json()

    assert [(s["id"], s["state"]) for s in shown["suggestions"]] == [(decided.pk, "dismissed"), (still_open.pk, "open")]
    assert old.pk not in [s["id"] for s in shown["suggestions"]]


def test_an_accepted_duplicate_shows_on_both_issues(user_client):
    older = IssueFactory()
    newer = IssueFactory(project=older.project)
    suggestion = TriageSuggestionFactory(
        issue=newer, kind=SuggestionKind.DUPLICATE, value={"number": older.number, "issue_id": older.pk, "reason": ""}
    )

    user_client.post(_url(suggestion, "accept"), {"close": True}, format="json")

    shown_newer = user_client.get(f"/api/issues/{newer.pk}/").json()
    shown_older = user_client.get(f"/api/issues/{older.pk}/").json()
    assert (shown_newer["duplicate_of"], shown_newer["status"], shown_older["duplicates"]) == (
        older.pk,
        "closed",
        [newer.pk],
    )
    assert user_client.get(f"/api/issues/?project={older.project_id}").json()["results"][0]["duplicate_of"] == older.pk


def test_triage_stats_answer_per_project_and_field(user_client, user):
    issue = IssueFactory(project=ProjectFactory(key="WEB"))
    for state in (SuggestionState.ACCEPTED, SuggestionState.DISMISSED):
        TriageSuggestionFactory(issue=issue, kind=SuggestionKind.TYPE, value={"type": "docs"}, state=state)
    TriageSuggestionFactory(kind=SuggestionKind.TYPE, value={"type": "docs"}, state=SuggestionState.ACCEPTED)
    TriageSuggestion.objects.update(decided_at=issue.created_at)

    rows = user_client.get("/api/issues/triage-stats/?project=web").json()

    assert [(r["project_key"], r["field"], r["decisions"], r["accepted_share"]) for r in rows] == [
        ("WEB", "type", 2, 0.5)
    ]


@pytest.mark.parametrize("query", ["since=yesterday", "project=NOPE"])
def test_triage_stats_reject_bad_parameters(user_client, query):
    response = user_client.get(f"/api/issues/triage-stats/?{query}")

    assert response.status_code == 400


def test_staff_request_a_failed_question_post_again(staff_client):
    issue = IssueFactory(github_repository="octo/hello", github_number=3)
    failed = TriageSuggestionFactory(
        issue=issue, kind=SuggestionKind.QUESTION, value={"question": "Which OS?"}, github_post_state="failed"
    )

    response = staff_client.post(_url(failed, "post-to-github"))

    assert (response.status_code, response.json()["github_post_state"]) == (202, "pending")


def test_a_question_post_that_did_not_fail_is_not_requested_again(staff_client):
    done = TriageSuggestionFactory(kind=SuggestionKind.QUESTION, value={"question": "?"}, github_post_state="done")

    response = staff_client.post(_url(done, "post-to-github"))

    assert (response.status_code, response.json()["error"]["type"]) == (409, "not_failed")


def test_requesting_a_question_post_again_is_for_staff(user_client):
    failed = TriageSuggestionFactory(kind=SuggestionKind.QUESTION, value={"question": "?"}, github_post_state="failed")

    response = user_client.post(_url(failed, "post-to-github"))

    assert (response.status_code, TriageSuggestion.objects.get(pk=failed.pk).github_post_state) == (403, "failed")
