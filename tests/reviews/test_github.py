import time

import pytest
import redis

from config.jobs.errors import TransientError
from reviews.github import GitHubClient, GitHubError, GitHubValidationError
from reviews.ratelimit import acquire_write_slot
from tests.reviews.github import diff_entry

REPO = "Codertocat/Hello-World"
FILES = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
CREATE = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews"


def test_pull_request_files_are_read_across_pages(fake_github):
    fake_github.files[2] = [diff_entry(f"src/file_{n}.py", "@@ -1 +1 @@\n-a\n+b") for n in range(130)]

    files = GitHubClient().list_pull_files(REPO, 2)

    assert [entry["filename"] for entry in files] == [f"src/file_{n}.py" for n in range(130)]
    assert [key for key, _ in fake_github.calls] == [FILES, FILES]


def test_requests_carry_the_token_and_api_version(fake_github):
    GitHubClient().list_reviews(REPO, 2)

    request = fake_github.mock.calls[0].request
    assert request.headers["Authorization"] == "Bearer test-token"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_created_review_is_a_comment_on_the_given_commit(fake_github):
    review = GitHubClient().create_review(
        REPO, 2, commit_id="abc", body="summary", comments=[{"path": "a.py", "line": 3, "side": "RIGHT", "body": "x"}]
    )

    assert review["id"] == fake_github.reviews[2][0]["id"]
    assert fake_github.posted() == [
        {
            "commit_id": "abc",
            "body": "summary",
            "event": "COMMENT",
            "comments": [{"path": "a.py", "line": 3, "side": "RIGHT", "body": "x"}],
        }
    ]


def test_retry_after_on_a_403_becomes_a_transient_error_with_that_wait(fake_github):
    fake_github.queue_error(FILES, 403, {"retry-after": "42"}, {"message": "You have exceeded a secondary rate limit."})

    with pytest.raises(TransientError) as caught:
        GitHubClient().list_pull_files(REPO, 2)

    assert caught.value.retry_after == 42


def test_exhausted_primary_limit_waits_until_the_reset_time(fake_github):
    reset = int(time.time()) + 120
    fake_github.queue_error(
        FILES,
        403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        {"message": "API rate limit exceeded"},
    )

    with pytest.raises(TransientError) as caught:
        GitHubClient().list_pull_files(REPO, 2)

    assert 110 <= caught.value.retry_after <= 121


def test_429_without_headers_waits_at_least_a_minute(fake_github):
    fake_github.queue_error(FILES, 429)

    with pytest.raises(TransientError) as caught:
        GitHubClient().list_pull_files(REPO, 2)

    assert caught.value.retry_after >= 60


def test_server_error_is_transient(fake_github):
    fake_github.queue_error(FILES, 502)

    with pytest.raises(TransientError):
        GitHubClient().list_pull_files(REPO, 2)


def test_403_without_rate_limit_signs_is_permanent(fake_github):
    fake_github.queue_error(FILES, 403, {}, {"message": "Resource not accessible by integration"})

    with pytest.raises(GitHubError) as caught:
        GitHubClient().list_pull_files(REPO, 2)

    assert not isinstance(caught.value, TransientError)
    assert "not accessible" in str(caught.value)


def test_422_is_a_validation_error_with_githubs_messages(fake_github):
    fake_github.queue_error(
        CREATE, 422, {}, {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}
    )

    with pytest.raises(GitHubValidationError) as caught:
        GitHubClient().create_review(REPO, 2, commit_id="abc", body="b", comments=[])

    assert caught.value.errors == ["Line could not be resolved"]


def test_unreachable_github_is_transient(settings):
    settings.GITHUB_API_URL = "http://127.0.0.1:9"

    with pytest.raises(TransientError):
        GitHubClient().list_reviews(REPO, 2)


def test_write_slots_are_limited_per_minute_for_every_worker(settings):
    settings.GITHUB_WRITES_PER_MINUTE = 3
    for _ in range(3):
        acquire_write_slot()

    with pytest.raises(TransientError) as caught:
        acquire_write_slot()

    assert 1 <= caught.value.retry_after <= 60


def test_write_limiter_counts_in_the_shared_redis(settings):
    settings.GITHUB_WRITES_PER_MINUTE = 5

    acquire_write_slot()

    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert any(b"github-writes" in key for key in store.keys("*"))


def test_write_over_the_limit_is_not_sent(fake_github, settings):
    settings.GITHUB_WRITES_PER_MINUTE = 1
    GitHubClient().create_review(REPO, 2, commit_id="abc", body="one", comments=[])

    with pytest.raises(TransientError):
        GitHubClient().create_review(REPO, 2, commit_id="abc", body="two", comments=[])

    assert len(fake_github.posted()) == 1


def test_write_limit_without_redis_is_counted_in_a_shared_file(settings, tmp_path):
    settings.GITHUB_RATELIMIT_STORAGE_URL = f"file://{tmp_path / 'github-ratelimit.json'}"
    settings.GITHUB_WRITES_PER_MINUTE = 2
    acquire_write_slot()
    acquire_write_slot()

    with pytest.raises(TransientError):
        acquire_write_slot()

    assert (tmp_path / "github-ratelimit.json").exists()


def test_clients_of_one_thread_share_a_session_and_its_connections():
    from concurrent.futures import ThreadPoolExecutor

    other_thread = ThreadPoolExecutor(max_workers=1).submit(lambda: GitHubClient().session).result()

    assert GitHubClient().session is GitHubClient().session
    assert other_thread is not GitHubClient().session
