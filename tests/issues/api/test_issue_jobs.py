import pytest

from config.jobs.state import JobState
from issues.jobs import TRIAGE
from issues.models import TriageRun
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory()
    TRIAGE.complete(issue.pk)
    return issue


def test_post_triage_requests_the_job_and_answers_202_with_its_state(user_client, issue):
    response = user_client.post(f"/api/issues/{issue.pk}/triage/")

    assert response.status_code == 202
    body = response.json()
    assert (body["issue"], body["requested"], body["state"], body["attempts"]) == (issue.pk, True, "pending", 0)


def test_post_triage_while_it_runs_changes_nothing(user_client, issue):
    TRIAGE.request(issue.pk)
    TRIAGE.claim(issue.pk)

    body = user_client.post(f"/api/issues/{issue.pk}/triage/").json()

    assert (body["requested"], body["state"], body["attempts"]) == (False, JobState.RUNNING, 1)


def test_get_triage_shows_the_runs_newest_first(user_client, issue):
    TriageRun.objects.create(issue=issue, engine="rules", note="first")
    TriageRun.objects.create(issue=issue, engine="llm", applied={"labels_added": ["ui"]})

    body = user_client.get(f"/api/issues/{issue.pk}/triage/").json()

    assert [run["engine"] for run in body["runs"]] == ["llm", "rules"]
    assert body["runs"][0]["applied"] == {"labels_added": ["ui"]}


def test_post_plan_answers_202_with_the_plan_state(user_client, issue):
    response = user_client.post(f"/api/issues/{issue.pk}/plan/")

    assert response.status_code == 202
    assert (response.json()["state"], response.json()["runs"]) == ("pending", [])


def test_an_unknown_issue_is_a_404_with_the_error_format(user_client):
    response = user_client.post("/api/issues/999999/triage/")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_anonymous_requests_are_refused(api_client, issue):
    assert api_client.post(f"/api/issues/{issue.pk}/plan/").status_code == 401


def test_the_issue_shows_its_latest_triage_and_plan_runs(user_client, issue):
    TriageRun.objects.create(issue=issue, engine="rules", note="older")
    TriageRun.objects.create(issue=issue, engine="rules", note="newest")

    body = user_client.get(f"/api/issues/{issue.pk}/").json()

    assert body["latest_triage"]["note"] == "newest"
    assert body["latest_plan"] is None


def test_the_issue_list_stays_without_run_details(user_client, issue):
    TriageRun.objects.create(issue=issue, engine="rules")

    row = user_client.get("/api/issues/").json()["results"][0]

    assert "latest_triage" not in row


def test_an_issue_read_with_its_runs_can_be_written_back(user_client, issue):
    TriageRun.objects.create(issue=issue, engine="rules")
    body = user_client.get(f"/api/issues/{issue.pk}/").json()

    response = user_client.put(f"/api/issues/{issue.pk}/", {**body, "title": "Renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"


def test_a_non_numeric_issue_id_is_a_404(user_client):
    response = user_client.get("/api/issues/abc/plan/")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
