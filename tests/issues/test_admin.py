import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Activity, Issue, Label, Task
from tests.factories import UserFactory
from tests.issues.factories import CommentFactory, IssueFactory, LabelFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/issues/issue/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def _changelist_queries(admin_client):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def test_issue_changelist_query_count_does_not_grow_with_the_page(admin_client):
    project = ProjectFactory()
    labels = LabelFactory.create_batch(2, project=project)
    IssueFactory.create_batch(3, project=project, assignee=UserFactory(), labels=labels)
    few = _changelist_queries(admin_client)

    IssueFactory.create_batch(30, project=project, assignee=UserFactory(), labels=labels)

    assert _changelist_queries(admin_client) == few


@pytest.mark.parametrize(
    "query",
    ["status__exact=open", "priority__exact=high", "type__exact=bug", "archived=yes", "triage_state__exact=failed"],
)
def test_issue_changelist_filters_work(admin_client, query):
    IssueFactory()

    assert admin_client.get(f"{CHANGELIST}?{query}").status_code == 200


def test_admin_search_finds_an_issue_by_key_or_words(admin_client):
    web = ProjectFactory(key="WEB")
    wanted = IssueFactory(project=web, title="Invoice totals wrong")
    other = IssueFactory(project=web, title="Unrelated")

    by_key = admin_client.get(f"{CHANGELIST}?q=WEB-{wanted.number}").context["cl"].result_list
    by_words = admin_client.get(f"{CHANGELIST}?q=invoice").context["cl"].result_list

    assert [issue.pk for issue in by_key] == [wanted.pk]
    assert [issue.pk for issue in by_words] == [wanted.pk]
    assert other.pk not in [issue.pk for issue in by_words]


def _list_edit(admin_client, issue, *, seen_status, new_status):
    return admin_client.post(
        CHANGELIST,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(issue.pk),
            "form-0-status": new_status,
            "initial-form-0-status": seen_status,
            "form-0-priority": issue.priority,
            "initial-form-0-priority": issue.priority,
            "form-0-assignee": "",
            "initial-form-0-assignee": "",
            "_save": "Save",
        },
    )


def test_list_editable_status_goes_through_the_service(admin_client):
    issue = IssueFactory(status="open")

    response = _list_edit(admin_client, issue, seen_status="open", new_status="resolved")

    assert response.status_code == 302
    stored = Issue.objects.get(pk=issue.pk)
    assert (stored.status, stored.version, stored.resolved_at is not None) == ("resolved", 2, True)
    assert Activity.objects.filter(issue=issue, field="status", new_value="resolved").exists()


def test_list_editable_refuses_to_overwrite_a_change_made_meanwhile(admin_client):
    issue = IssueFactory(status="open")
    Issue.objects.filter(pk=issue.pk).update(status="in_progress")

    response = _list_edit(admin_client, issue, seen_status="open", new_status="closed")

    assert response.status_code == 200
    assert "someone else" in response.content.decode()
    assert Issue.objects.get(pk=issue.pk).status == "in_progress"


def _change_form(issue, **overrides):
    data = {
        "title": issue.title,
        "body": issue.body,
        "status": issue.status,
        "priority": issue.priority,
        "type": issue.type,
        "assignee": "",
        "reporter": "",
        "summary": "",
        "seen_version": str(issue.version),
        **{
            f"{prefix}-{key}": value
            for prefix in ("comments", "tasks", "triage_runs", "plan_runs", "activities")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    }
    data.update(overrides)
    return data


def test_change_form_saves_through_the_service(admin_client):
    issue = IssueFactory(priority="low")

    response = admin_client.post(f"{CHANGELIST}{issue.pk}/change/", _change_form(issue, priority="critical"))

    assert response.status_code == 302, response.content
    stored = Issue.objects.get(pk=issue.pk)
    assert (stored.priority, stored.version, stored.priority_set_by_human) == ("critical", 2, True)


def test_change_form_with_a_stale_version_changes_nothing(admin_client):
    issue = IssueFactory(priority="low")
    Issue.objects.filter(pk=issue.pk).update(version=5)

    response = admin_client.post(f"{CHANGELIST}{issue.pk}/change/", _change_form(issue, priority="critical"))

    assert response.status_code == 200
    assert "changed this issue meanwhile" in response.content.decode()
    assert Issue.objects.get(pk=issue.pk).priority == "low"


def test_add_form_numbers_the_issue(admin_client):
    project = ProjectFactory()

    response = admin_client.post(
        f"{CHANGELIST}add/",
        {**_change_form(IssueFactory.build(project=project)), "project": project.pk, "seen_version": ""},
    )

    assert response.status_code == 302, response.content
    assert Issue.objects.get(project=project).number == 1


def test_change_page_shows_comments_tasks_and_history(admin_client):
    issue = IssueFactory()
    CommentFactory(issue=issue, body="first comment")
    TaskFactory(project=issue.project, issue=issue, title="follow-up task")
    Activity.objects.create(
        issue=issue, actor_type="llm", actor_name="llm", field="summary", old_value="", new_value="x"
    )

    page = admin_client.get(f"{CHANGELIST}{issue.pk}/change/").content.decode()

    assert "first comment" in page
    assert "follow-up task" in page
    assert "activity history" in page.lower()


def _action(admin_client, action, issues, **extra):
    return admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [i.pk for i in issues], "index": "0", **extra}
    )


def test_bulk_action_sets_status(admin_client):
    issues = IssueFactory.create_batch(2)

    _action(admin_client, "set_status", issues, status="closed")

    assert set(Issue.objects.values_list("status", flat=True)) == {"closed"}


def test_bulk_action_assigns(admin_client):
    issues = IssueFactory.create_batch(2)
    alice = UserFactory(username="alice")

    _action(admin_client, "assign", issues, assignee=alice.pk)

    assert set(Issue.objects.values_list("assignee", flat=True)) == {alice.pk}


def test_bulk_action_adds_a_label_creating_it_per_project(admin_client):
    issues = [IssueFactory(), IssueFactory()]

    _action(admin_client, "add_label", issues, label="regression")

    assert Label.objects.filter(name="regression").count() == 2
    assert all(issue.labels.filter(name="regression").exists() for issue in issues)


def test_bulk_action_archives(admin_client):
    issues = IssueFactory.create_batch(2)

    _action(admin_client, "archive", issues)

    assert Issue.objects.filter(archived_at__isnull=False).count() == 2


def test_task_admin_saves_through_the_service_and_refuses_stale_versions(admin_client):
    task = TaskFactory(title="Old")
    form = {
        "title": "New",
        "description": "",
        "status": "todo",
        "priority": "3",
        "estimated_hours": "",
        "order": str(task.order),
        "issue": "",
        "seen_version": "1",
        "activities-TOTAL_FORMS": "0",
        "activities-INITIAL_FORMS": "0",
    }

    first = admin_client.post(f"/admin/issues/task/{task.pk}/change/", form)
    stale = admin_client.post(f"/admin/issues/task/{task.pk}/change/", {**form, "title": "Lost"})

    assert first.status_code == 302
    assert stale.status_code == 200
    assert (Task.objects.get(pk=task.pk).title, Task.objects.get(pk=task.pk).version) == ("New", 2)


@pytest.mark.parametrize("path", ["project", "label", "task", "comment", "activity"])
def test_other_changelists_load(admin_client, path):
    CommentFactory()
    TaskFactory()

    assert admin_client.get(f"/admin/issues/{path}/").status_code == 200


def test_activity_admin_is_read_only(admin_client):
    assert admin_client.get("/admin/issues/activity/add/").status_code == 403


def test_list_editable_menus_show_the_current_values_and_what_was_seen(admin_client):
    alice = UserFactory(username="alice")
    IssueFactory(status="in_progress", priority="high", assignee=alice)

    page = admin_client.get(CHANGELIST).content.decode()

    assert '<option value="in_progress" selected>' in page
    assert '<option value="high" selected>' in page
    assert f'<option value="{alice.pk}" selected>alice</option>' in page
    assert 'name="initial-form-0-status" value="in_progress"' in page
