import pytest

from issues.filters import IssueFilter, LabelFilter
from issues.models import Issue, Label
from tests.issues.factories import IssueFactory

pytestmark = pytest.mark.django_db


def test_a_filter_set_builds_its_form_class_once_and_forms_stay_separate():
    first = IssueFilter({"status": ["open"]}, queryset=Issue.objects.all())
    second = IssueFilter({"status": ["closed"], "search": "x"}, queryset=Issue.objects.all())

    assert first.get_form_class() is second.get_form_class()
    assert LabelFilter({}, queryset=Label.objects.all()).get_form_class() is not first.get_form_class()
    assert first.form.fields is not second.form.fields
    assert first.form.is_valid() and second.form.is_valid()
    assert (first.form.cleaned_data["status"], second.form.cleaned_data["status"]) == (["open"], ["closed"])


def test_consecutive_requests_filter_by_their_own_parameters(user_client):
    open_issue, closed_issue = IssueFactory(status="open"), IssueFactory(status="closed")

    for status, expected in (("open", open_issue), ("closed", closed_issue), ("open", open_issue)):
        results = user_client.get(f"/api/issues/?status={status}").json()["results"]
        assert [row["id"] for row in results] == [expected.pk]
