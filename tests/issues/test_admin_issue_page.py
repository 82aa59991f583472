"""The issue page: its latest triage and plan rendered readably, with the suggestions' decisions
and the Re-triage and Plan buttons."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from config.jobs.state import JobState
from issues.choices import SuggestionKind, SuggestionState
from issues.models import Issue, PlanRun
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, TaskFactory, TriageRunFactory, TriageSuggestionFactory

pytestmark = pytest.mark.django_db


def page(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


def test_the_page_shows_what_the_latest_triage_applied_in_words(triage_staff_client):
    issue = IssueFactory(triage_state=JobState.DONE, triage_confidence=0.87)
    TriageRunFactory(issue=issue, applied={"priority": {"from": "medium", "to": "high"}, "labels_added": ["ui", "css"]})

    html = triage_staff_client.get(page(issue)).content.decode()

    assert "<li>priority: medium → high</li>" in html
    assert "<li>labels added: ui; css</li>" in html
    assert "confidence 0.87" in html
    assert '"labels_added"' not in html  # no raw JSON


def test_the_page_shows_the_latest_runs_suggestions_with_their_decisions(triage_staff_client):
    run = TriageRunFactory()
    open_one = TriageSuggestionFactory(run=run, issue=run.issue, value={"label": "perf"})
    TriageSuggestionFactory(
        run=run,
        issue=run.issue,
        kind=SuggestionKind.QUESTION,
        value={"question": "Which version?"},
        state=SuggestionState.DISMISSED,
        decided_by=UserFactory(username="hana"),
        decision_reason="already in the body",
    )

    html = triage_staff_client.get(page(run.issue)).content.decode()

    assert f'id="suggestion-{open_one.pk}"' in html
    assert "Add label <strong>perf</strong>" in html
    assert "Dismissed by hana: already in the body" in html
    assert html.count('name="accept"') == 1


def test_accepting_on_the_issue_page_returns_to_it(triage_staff_client):
    suggestion = TriageSuggestionFactory(kind=SuggestionKind.PRIORITY, value={"priority": "critical"})
    issue = suggestion.issue
    here = page(issue)

    response = triage_staff_client.post(
        f"/admin/issues/issue/suggestions/{suggestion.pk}/decide/", {"accept": "1", "next": here}
    )

    issue.refresh_from_db()
    assert response["Location"] == here
    assert (issue.priority, issue.priority_set_by_human) == ("critical", True)


def test_a_duplicate_shows_on_both_issues(triage_staff_client):
    original = IssueFactory()
    newer = IssueFactory(project=original.project)
    Issue.objects.filter(pk=newer.pk).update(duplicate_of=original)

    newer_html = triage_staff_client.get(page(newer)).content.decode()
    original_html = triage_staff_client.get(page(original)).content.decode()

    assert f'Duplicate of <a href="{page(original)}">{original.key}</a>' in newer_html
    assert f'<a href="{page(newer)}">{newer.key}</a>' in original_html
    assert 'id="issue-duplicates"' in original_html


def test_the_page_shows_a_failed_triage_with_its_error(triage_staff_client):
    issue = IssueFactory(triage_state=JobState.FAILED, triage_error="The LLM is not configured.")

    html = triage_staff_client.get(page(issue)).content.decode()

    assert "Triage failed: The LLM is not configured." in html


def test_the_page_shows_the_latest_plans_tasks_and_risks(triage_staff_client):
    issue = IssueFactory()
    plan = PlanRun.objects.create(issue=issue, risks=["The export format may change"])
    task = TaskFactory(project=issue.project, issue=issue, title="Write the CSV writer")
    plan.tasks.add(task)

    html = triage_staff_client.get(page(issue)).content.decode()

    assert f'<a href="/admin/issues/task/{task.pk}/change/">Write the CSV writer</a>' in html
    assert "<li>The export format may change</li>" in html


def test_retriage_requests_triage_through_the_job(triage_staff_client, django_capture_on_commit_callbacks):
    issue = IssueFactory(triage_state=JobState.DONE)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = triage_staff_client.post(f"/admin/issues/issue/{issue.pk}/triage/")

    assert (response.status_code, response["Location"]) == (303, page(issue))
    assert Issue.objects.get(pk=issue.pk).triage_state == JobState.PENDING
    assert len(callbacks) == 1


def test_plan_requests_planning_through_the_job(triage_staff_client, django_capture_on_commit_callbacks):
    issue = IssueFactory(plan_state=JobState.SKIPPED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        triage_staff_client.post(f"/admin/issues/issue/{issue.pk}/plan/")

    assert Issue.objects.get(pk=issue.pk).plan_state == JobState.PENDING
    assert len(callbacks) == 1


def test_a_running_triage_is_not_requested_again(triage_staff_client):
    issue = IssueFactory(triage_state=JobState.RUNNING)

    response = triage_staff_client.post(f"/admin/issues/issue/{issue.pk}/triage/", follow=True)

    assert "running already" in response.content.decode()


def test_the_page_has_the_retriage_and_plan_buttons(triage_staff_client):
    html = triage_staff_client.get(page(IssueFactory())).content.decode()

    assert 'id="issue-retriage"' in html
    assert 'id="issue-plan"' in html


def test_staff_who_may_only_view_issues_get_no_buttons_and_cannot_request(client):
    issue = IssueFactory(triage_state=JobState.DONE)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client.force_login(viewer)

    html = client.get(page(issue)).content.decode()
    response = client.post(f"/admin/issues/issue/{issue.pk}/triage/")

    assert 'id="issue-retriage"' not in html
    assert response.status_code == 403
    assert Issue.objects.get(pk=issue.pk).triage_state == JobState.DONE


def test_retriage_without_the_csrf_token_is_refused(triage_staff):
    issue = IssueFactory(triage_state=JobState.DONE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(triage_staff)

    response = client.post(f"/admin/issues/issue/{issue.pk}/triage/")

    assert response.status_code == 403
    assert Issue.objects.get(pk=issue.pk).triage_state == JobState.DONE


def test_retriage_is_a_post_only(triage_staff_client):
    assert triage_staff_client.get(f"/admin/issues/issue/{IssueFactory().pk}/triage/").status_code == 405
