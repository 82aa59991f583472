import pytest

from issues.choices import IssueStatus
from issues.triage.similar import similar_open_issues
from tests.issues.factories import IssueFactory, ProjectFactory
from tests.issues.triage.similar_data import DECOYS, NEW_REPORT, REWORDED_DUPLICATE, UNRELATED

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = ProjectFactory(key="SIM")
    for fields in UNRELATED + DECOYS:
        IssueFactory(project=project, **fields)
    return project


def test_a_reworded_duplicate_ranks_first_among_fifty_issues(project):
    duplicate = IssueFactory(project=project, **REWORDED_DUPLICATE)
    new = IssueFactory(project=project, **NEW_REPORT)

    similar = list(similar_open_issues(new))

    assert similar[0] == duplicate
    assert len(similar) == 5
    assert new not in similar


def test_closed_issues_and_other_projects_are_not_candidates(project):
    IssueFactory(project=project, status=IssueStatus.CLOSED, **REWORDED_DUPLICATE)
    IssueFactory(project=ProjectFactory(key="OTHER"), **REWORDED_DUPLICATE)
    new = IssueFactory(project=project, **NEW_REPORT)

    similar = list(similar_open_issues(new))

    assert {issue.project_id for issue in similar} == {project.pk}
    assert all(issue.title != REWORDED_DUPLICATE["title"] for issue in similar)
