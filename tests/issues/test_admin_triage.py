import pytest

from config.jobs.state import JobState
from issues.models import Issue, TriageRule, TriageRun
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _post_rule(admin_client, project, **fields):
    data = {"project": project.pk, "name": "r", "keywords": "", "pattern": "", "order": 0, "enabled": "on"}
    data.update(fields)
    return admin_client.post("/admin/issues/triagerule/add/", data)


def test_staff_add_a_rule_in_the_admin(admin_client):
    project = ProjectFactory()
    label = LabelFactory(project=project, name="ui")

    response = _post_rule(admin_client, project, keywords="button, layout", labels=[label.pk], priority="low")

    assert response.status_code == 302
    rule = TriageRule.objects.get()
    assert (rule.keywords, rule.priority, list(rule.labels.all())) == ("button, layout", "low", [label])


def test_a_rule_with_a_broken_regex_is_refused(admin_client):
    response = _post_rule(admin_client, ProjectFactory(), pattern="(oops", type="bug")

    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()
    assert not TriageRule.objects.exists()


def test_a_rule_cannot_add_another_projects_label(admin_client):
    project = ProjectFactory()
    foreign = LabelFactory(project=ProjectFactory(), name="elsewhere")

    response = _post_rule(admin_client, project, keywords="x", labels=[foreign.pk])

    assert "belong to another project" in response.content.decode()
    assert not TriageRule.objects.exists()


def test_the_run_history_pages_load(admin_client):
    assert admin_client.get("/admin/issues/triagerun/").status_code == 200
    assert admin_client.get("/admin/issues/planrun/").status_code == 200


def _run_action(admin_client, action, issues):
    return admin_client.post(
        "/admin/issues/issue/", {"action": action, "_selected_action": [issue.pk for issue in issues]}, follow=True
    )


def test_the_rerun_triage_action_requests_triage_of_the_selected_issues(admin_client):
    chosen, other = IssueFactory(), IssueFactory()
    Issue.objects.update(triage_state=JobState.FAILED, triage_error="boom", triage_attempts=3)

    response = _run_action(admin_client, "rerun_triage", [chosen])

    assert "Triage requested for 1 issue(s)." in response.content.decode()
    assert Issue.objects.values_list("triage_state", "triage_error", "triage_attempts").get(pk=chosen.pk) == (
        JobState.PENDING,
        "",
        0,
    )
    assert Issue.objects.get(pk=other.pk).triage_state == JobState.FAILED


def test_the_planning_action_skips_issues_whose_plan_is_running(admin_client):
    idle, busy = IssueFactory(), IssueFactory()
    Issue.objects.filter(pk=busy.pk).update(plan_state=JobState.RUNNING)

    response = _run_action(admin_client, "run_planning", [idle, busy])

    page = response.content.decode()
    assert "Planning requested for 1 issue(s)." in page
    assert "1 issue(s) skipped: their job is running." in page
    assert Issue.objects.get(pk=idle.pk).plan_state == JobState.PENDING


def test_the_issue_page_shows_its_triage_runs(admin_client):
    issue = IssueFactory()
    TriageRun.objects.create(issue=issue, engine="rules", note="LLM not configured: rules triage")

    page = admin_client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()

    assert "LLM not configured: rules triage" in page
