import pytest
import responses

from issues.models import Project
from tests.reviews.github import API_URL, SECRET, FakeGitHub

REPOSITORY = "Codertocat/Hello-World"


@pytest.fixture(autouse=True)
def _github_settings(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITHUB_API_URL = API_URL
    settings.GITHUB_TOKEN = "test-token"


@pytest.fixture
def project(db):
    return Project.objects.create(key="HELLO", name="Hello World", github_repo=REPOSITORY)


@pytest.fixture
def fake_github():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        github = FakeGitHub(mock=mock)
        github.install()
        yield github
