"""Admin lists fit the window: long text cut short with the whole value on hover; user menus
that search instead of listing every user."""

from datetime import UTC, datetime

import pytest
from django.contrib import admin

from config.admin_lists import FittingListAdmin, truncated
from issues.models import Issue, TriageRun
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db

LONG_TITLE = "Exporting the quarterly invoices as PDF fails for customers with more than a thousand lines"
OUR_APPS = ("issues", "feedback", "reviews", "llm", "config")
ASSIGNEE_SEARCH = {"app_label": "issues", "model_name": "issue", "field_name": "assignee"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_short_text_is_shown_whole():
    assert truncated("Login fails") == "Login fails"


def test_long_text_is_cut_at_a_word_with_the_whole_value_on_hover():
    assert truncated(LONG_TITLE, 40) == (
        f'<span class="truncated" title="{LONG_TITLE}">Exporting the quarterly invoices as…</span>'
    )


def test_cut_text_is_escaped():
    assert truncated("<b>" + "x" * 60, 20).startswith('<span class="truncated" title="&lt;b&gt;xxx')


def test_every_admin_list_of_the_project_cuts_long_text():
    ours = [model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in OUR_APPS]

    assert ours
    assert [type(a).__name__ for a in ours if not isinstance(a, FittingListAdmin)] == []


def test_the_triage_run_list_cuts_a_long_issue_title(admin_client):
    issue = IssueFactory(title=LONG_TITLE)
    TriageRun.objects.create(issue=issue, engine="rules", note="rules triage")

    html = admin_client.get("/admin/issues/triagerun/").content.decode()

    assert f'<td class="field-issue"><span class="truncated" title="{issue.key} {LONG_TITLE}">' in html
    assert html.count(LONG_TITLE) == 1  # in the title attribute only


def test_the_issue_list_cuts_a_long_title_and_keeps_its_editable_menus(admin_client):
    IssueFactory(title=LONG_TITLE)

    html = admin_client.get("/admin/issues/issue/").content.decode()

    assert '<td class="field-title"><span class="truncated"' in html
    assert 'name="form-0-status"' in html


def test_a_cut_column_still_sorts_by_its_field(admin_client):
    first, second = IssueFactory(title="Zebra crossing"), IssueFactory(title="Apple pie")

    # Column 2 of the issue list is the title (1 is the key).
    listed = admin_client.get("/admin/issues/issue/?o=2").context["cl"].result_list

    assert [issue.pk for issue in listed] == [second.pk, first.pk]


def test_the_assignee_menu_of_a_list_row_has_no_related_object_links(admin_client):
    IssueFactory(assignee=UserFactory(username="erin"))

    html = admin_client.get("/admin/issues/issue/").content.decode()

    assert "related-widget-wrapper" not in html


def test_the_assignee_menu_of_a_list_row_holds_only_the_chosen_user(admin_client):
    assignee = UserFactory(username="erin")
    UserFactory.create_batch(5)
    IssueFactory(assignee=assignee)

    response = admin_client.get("/admin/issues/issue/")

    menu = str(response.context["cl"].formset.forms[0]["assignee"])
    assert "admin-autocomplete" in menu
    assert menu.count("<option") == 2  # the empty choice and erin
    assert f'<option value="{assignee.pk}" selected>erin</option>' in menu


def test_the_issue_form_searches_users_instead_of_listing_them(admin_client):
    issue = IssueFactory()
    UserFactory.create_batch(5)

    form = admin_client.get(f"/admin/issues/issue/{issue.pk}/change/").context["adminform"].form

    assert "admin-autocomplete" in str(form["assignee"])
    assert str(form["assignee"]).count("<option") <= 1


def test_triage_staff_find_a_user_to_assign_by_name(triage_staff_client):
    UserFactory(username="frank.miller")
    UserFactory(username="grace")

    response = triage_staff_client.get("/admin/autocomplete/", {**ASSIGNEE_SEARCH, "term": "frank"})

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["frank.miller"]


def test_a_plain_user_cannot_search_users(client):
    client.force_login(UserFactory())

    response = client.get("/admin/autocomplete/", {**ASSIGNEE_SEARCH, "term": "a"})

    assert response.status_code == 302


def test_a_moment_in_a_list_is_short_with_the_full_value_on_hover(admin_client, settings):
    settings.TIME_ZONE = "UTC"
    issue = IssueFactory()
    Issue.objects.filter(pk=issue.pk).update(last_activity_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))

    html = admin_client.get("/admin/issues/issue/").content.decode()

    assert '<span title="2026-03-04T05:06:07+00:00">2026-03-04\u00a005:06</span>' in html


def test_the_admin_has_no_app_list_down_the_side_of_every_page(admin_client):
    assert 'id="nav-sidebar"' not in admin_client.get("/admin/issues/issue/").content.decode()


def _list_queries(admin_client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    return len(queries)


def test_a_list_with_a_foreign_key_column_joins_it_instead_of_a_query_a_row(admin_client):
    from tests.reviews.factories import ReviewCommentFactory

    ReviewCommentFactory()
    one_row = _list_queries(admin_client, "/admin/reviews/reviewcomment/")
    ReviewCommentFactory.create_batch(4)

    assert _list_queries(admin_client, "/admin/reviews/reviewcomment/") == one_row
