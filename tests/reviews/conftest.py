import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from issues.models import Project
from reviews.github import app as github_app_auth
from tests.reviews.github import API_URL, SECRET, FakeGitHub
from tests.reviews.github_app import APP_ID, Clock, FakeGitHubApp, private_key_pem

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


@pytest.fixture(scope="session")
def app_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def github_app(fake_github, app_key, settings, monkeypatch):
    """App mode against the fake: GITHUB_APP_ID and its key set, GITHUB_TOKEN unset, one
    clock for both sides, this process's token copies forgotten (the shared cache is emptied
    before every test)."""
    settings.GITHUB_APP_ID = str(APP_ID)
    settings.GITHUB_APP_PRIVATE_KEY = private_key_pem(app_key)
    settings.GITHUB_APP_PRIVATE_KEY_PATH = ""
    settings.GITHUB_TOKEN = ""
    clock = Clock()
    monkeypatch.setattr(github_app_auth, "_now", clock.now)
    github_app_auth.clear_local_tokens()
    fake_github.app = FakeGitHubApp(key=app_key, clock=clock)
    yield fake_github.app
    github_app_auth.clear_local_tokens()


@pytest.fixture(autouse=True)
def _review_calls_in_the_test_thread(request, settings):
    """Without a worker, a review's LLM calls run in the test's thread: pool threads have
    connections of their own, outside the test's transaction, and what they wrote (the LLM
    cache, the ledger) would outlive the test and answer the next one."""
    if "celery_worker" not in request.fixturenames:
        settings.REVIEW_FILE_CONCURRENCY = 1
