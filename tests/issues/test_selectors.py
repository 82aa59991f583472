import pytest
from django.db.models import F

from issues.models import Issue
from issues.selectors import ISSUE_ROW_FIELDS, issue_rows_with_labels
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_label_names_are_filled_in_when_the_database_did_not_aggregate_them():
    project = ProjectFactory()
    labelled = IssueFactory(project=project, labels=[LabelFactory(project=project, name="ui")])
    bare = IssueFactory(project=project)
    rows = list(Issue.objects.order_by("pk").values(*ISSUE_ROW_FIELDS, project_key=F("project__key")))

    filled = issue_rows_with_labels(rows)

    assert {row["id"]: row["label_names"] for row in filled} == {labelled.pk: ["ui"], bare.pk: []}
