"""Every list endpoint issues the same number of queries whatever the page size."""

import pytest

from tests.factories import UserFactory
from tests.issues.factories import CommentFactory, IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    project = ProjectFactory()
    issue = IssueFactory(project=project)
    for _ in range(12):
        ProjectFactory()
        LabelFactory(project=project)
        CommentFactory(issue=issue, author=UserFactory())
    return issue


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/projects/", 3),  # token, count, page
        ("/api/labels/", 3),
        ("/api/issues/{id}/comments/", 4),  # token, issue, count, page (authors joined)
    ],
)
@pytest.mark.parametrize("page_size", [2, 12])
def test_list_endpoints_have_a_constant_query_count(
    user_client, django_assert_num_queries, data, path, queries, page_size
):
    with django_assert_num_queries(queries):
        response = user_client.get(path.format(id=data.pk) + f"?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


def test_a_request_body_over_the_upload_limit_is_a_400_in_the_error_format(user_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    project = ProjectFactory()

    response = user_client.post(
        "/api/issues/", {"project": project.pk, "title": "x", "body": "b" * 5000}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"]
