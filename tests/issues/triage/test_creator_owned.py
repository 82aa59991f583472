"""A priority or type a person gives when creating an issue is theirs from the start.

Through every entry point that takes them (API, the admin's add form, CSV import), triage then
only suggests another value; what the creator left out stays triage's to set. Events and GitHub
carry neither, so triage sets both."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from issues.actors import GITHUB, SYSTEM, Actor
from issues.archiving import issues_archive_stale
from issues.choices import ActorType
from issues.jobs import TRIAGE
from issues.models import Issue, TriageRule
from issues.services import issue_create
from issues.services.github import issue_github_create
from issues.services.imports import issues_import_csv
from issues.triage.services import issue_triage
from tests.factories import UserFactory
from tests.issues.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ADD_FORM = "/admin/issues/issue/add/"
# The rule below proposes these for "crash"; the LLM's answers are set per test.
RULE_PRIORITY, RULE_TYPE = "high", "bug"


@pytest.fixture(autouse=True)
def no_llm(settings):
    settings.OPENAI_API_KEY = ""


@pytest.fixture
def project():
    project = ProjectFactory(key="OWN")
    TriageRule.objects.create(project=project, name="crashes", keywords="crash", type=RULE_TYPE, priority=RULE_PRIORITY)
    return project


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="desk", is_staff=True, is_superuser=True))
    return client


def _triaged(issue_id):
    TRIAGE.claim(issue_id)
    run = issue_triage(issue_id=issue_id)
    return run, Issue.objects.get(pk=issue_id)


def _owned(issue):
    return (issue.priority_set_by_human, issue.type_set_by_human)


def _api_create(client, **fields):
    response = client.post("/api/issues/", {"project": "OWN", "title": "Crash on save", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_api_a_critical_feature_given_at_creation_is_kept_by_triage(user_client, project):
    body = _api_create(user_client, priority="critical", type="feature")

    run, issue = _triaged(body["id"])

    assert (body["priority_set_by_human"], body["type_set_by_human"]) == (True, True)
    assert (issue.priority, issue.type) == ("critical", "feature")
    assert run.suggestions["priority"] == {"suggested": RULE_PRIORITY, "kept": "critical", "reason": "set by a person"}
    assert run.suggestions["type"] == {"suggested": RULE_TYPE, "kept": "feature", "reason": "set by a person"}


def test_api_values_left_out_stay_triages_to_set(user_client, project):
    body = _api_create(user_client, type="question")

    _run, issue = _triaged(body["id"])

    assert (body["priority"], body["priority_set_by_human"]) == ("medium", False)
    assert (issue.priority, issue.type) == (RULE_PRIORITY, "question")
    assert _owned(issue) == (False, True)


def test_api_the_default_value_sent_explicitly_is_the_creators(user_client, project):
    body = _api_create(user_client, priority="medium")

    _run, issue = _triaged(body["id"])

    assert (issue.priority, issue.type) == ("medium", RULE_TYPE)
    assert _owned(issue) == (True, False)


def test_an_issue_created_critical_is_not_archived_as_stale_after_triage(user_client, project):
    body = _api_create(user_client, priority="critical")
    _triaged(body["id"])
    stale = timezone.now() - timedelta(days=400)
    Issue.objects.filter(pk=body["id"]).update(last_activity_at=stale, updated_at=stale)

    issues_archive_stale()

    issue = Issue.objects.get(pk=body["id"])
    assert (issue.priority, issue.archived_at) == ("critical", None)


def test_the_llm_keeps_a_priority_given_at_creation(fake_openai, user_client, project):
    fake_openai.add_reply(
        {
            "type": "feature",
            "priority": "low",
            "labels": [],
            "summary": "Saving crashes.",
            "confidence": 0.9,
            "duplicates": [],
            "questions": [],
        }
    )
    body = _api_create(user_client, priority="critical")

    run, issue = _triaged(body["id"])

    assert run.engine == "llm"
    assert (issue.priority, issue.type, issue.summary) == ("critical", "feature", "Saving crashes.")
    assert run.suggestions["priority"] == {"suggested": "low", "kept": "critical", "reason": "set by a person"}


def _add_form(project, **fields):
    return {
        "project": project.pk,
        "title": "Crash on save",
        "body": "",
        "status": "open",
        "priority": "",
        "type": "",
        "assignee": "",
        "reporter": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("comments", "tasks", "triage_runs", "plan_runs", "activities")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
        **fields,
    }


def test_admin_add_form_offers_to_let_triage_decide_by_default(admin_client, project):
    page = admin_client.get(ADD_FORM).content.decode()

    assert page.count('<option value="" selected>— let triage decide —</option>') == 2


def test_admin_add_a_priority_chosen_is_kept_and_a_type_left_blank_is_triages(admin_client, project):
    response = admin_client.post(ADD_FORM, _add_form(project, priority="critical"))
    assert response.status_code == 302, response.content
    created = Issue.objects.get(project=project)

    _run, issue = _triaged(created.pk)

    assert (created.priority, created.type) == ("critical", "bug")
    assert (issue.priority, issue.type) == ("critical", RULE_TYPE)
    assert _owned(issue) == (True, False)


def test_admin_add_the_default_value_chosen_is_the_creators(admin_client, project):
    admin_client.post(ADD_FORM, _add_form(project, priority="medium", type="bug"))

    _run, issue = _triaged(Issue.objects.get(project=project).pk)

    assert (issue.priority, issue.type) == ("medium", "bug")
    assert _owned(issue) == (True, True)


def _import(client, content):
    response = client.post(
        "/api/issues/import/",
        {"file": SimpleUploadedFile("issues.csv", content.encode(), content_type="text/csv"), "project": "OWN"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    return {row["row"]: row["id"] for row in response.json()["created"]}


def test_csv_values_given_are_kept_and_empty_cells_are_triages(user_client, project):
    ids = _import(user_client, "title,priority,type\nCrash on save,critical,feature\nCrash on load,,\n")

    _run, given = _triaged(ids[2])
    _run, empty = _triaged(ids[3])

    assert (given.priority, given.type, _owned(given)) == ("critical", "feature", (True, True))
    assert (empty.priority, empty.type, _owned(empty)) == (RULE_PRIORITY, RULE_TYPE, (False, False))


def test_csv_imported_by_automation_owns_nothing(project):
    report = issues_import_csv(project=project, stream=io.BytesIO(b"title,priority\nCrash,critical\n"), actor=SYSTEM)

    assert _owned(Issue.objects.get(pk=report.created[0]["id"])) == (False, False)


def test_events_carry_no_priority_so_triage_sets_it(user_client, project):
    refused = user_client.post(
        "/api/events/", {"source": "zendesk", "id": 1, "title": "Crash", "project": "OWN", "priority": "low"}
    )
    response = user_client.post("/api/events/", {"source": "zendesk", "id": 2, "title": "Crash", "project": "OWN"})

    _run, issue = _triaged(response.json()["id"])

    assert refused.status_code == 400
    assert (issue.priority, issue.type, _owned(issue)) == (RULE_PRIORITY, RULE_TYPE, (False, False))


def test_a_github_issue_owns_nothing(project):
    issue = issue_github_create(
        project=project,
        external_id="octo/app#1",
        title="Crash on save",
        body="",
        reporter="octocat",
        closed=False,
        labels=[],
        updated_at=None,
        actor=GITHUB,
    )

    assert _owned(issue) == (False, False)


@pytest.mark.parametrize("actor", [SYSTEM, Actor(ActorType.INTEGRATION, name="zendesk"), GITHUB])
def test_a_value_given_by_automation_or_another_system_stays_triages(project, actor):
    issue = issue_create(project=project, title="Crash", priority="critical", type="feature", actor=actor)

    assert _owned(issue) == (False, False)


def test_a_value_given_by_a_person_through_the_service_is_theirs(project, user):
    issue = issue_create(project=project, title="Crash", priority="low", actor=Actor.of_user(user))

    assert _owned(Issue.objects.get(pk=issue.pk)) == (True, False)
