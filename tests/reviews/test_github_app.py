"""GitHub App mode against the fake App: the JWT, installation tokens shared by every process,
the installation of a repository, and installations that stop all calls."""

import threading

import jwt
import pytest
from django.core.cache import cache

from config.jobs.state import JobState
from reviews.github import GitHubClient, GitHubError
from reviews.github import app as github_app_auth
from reviews.models import Delivery, Installation, InstallationRepository, Review
from reviews.services.installations import InstallationStopped, NotInstalled
from reviews.tasks import process_delivery, review_pull_request
from tests.reviews.factories import ReviewFactory
from tests.reviews.github import deliver, payload_bytes
from tests.reviews.github_app import APP_ID, TOKEN_LIFETIME_S, private_key_pem

pytestmark = pytest.mark.django_db

REPO = "Codertocat/Hello-World"
REVIEWS = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
MINT = "POST /app/installations/{installation_id}/access_tokens"
LOOKUP = "GET /repos/{owner}/{repo}/installation"


def installed(installation_id: int = 1, repository: str = REPO, **fields) -> Installation:
    installation = Installation.objects.create(
        installation_id=installation_id, account=repository.split("/")[0], repository_selection="selected", **fields
    )
    InstallationRepository.objects.create(installation=installation, full_name=repository)
    return installation


def read_reviews(repository: str = REPO, installation_id: int | None = None) -> list:
    return GitHubClient.for_repository(repository, installation_id=installation_id).list_reviews(repository, 2)


def keys(fake_github) -> list[str]:
    return [key for key, _ in fake_github.calls]


# --- the JWT ----------------------------------------------------------------------------------


def test_app_jwt_is_rs256_signed_backdated_a_minute_and_valid_nine_minutes(github_app, app_key):
    now = int(github_app.clock.now())

    token = github_app_auth.app_jwt()

    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, app_key.public_key(), algorithms=["RS256"], issuer=str(APP_ID))
    assert claims["iat"] in (now - 60, now - 59)
    assert claims["exp"] - claims["iat"] == 600


@pytest.mark.parametrize(
    "as_setting",
    [
        pytest.param(lambda key: private_key_pem(key, pkcs8=True), id="pkcs8"),
        pytest.param(lambda key: private_key_pem(key).replace("\n", "\\n"), id="escaped-newlines"),
    ],
)
def test_private_key_in_pkcs8_or_with_escaped_newlines_mints_a_token(github_app, app_key, settings, as_setting):
    github_app.installations[1] = [REPO]
    settings.GITHUB_APP_PRIVATE_KEY = as_setting(app_key)

    read_reviews(installation_id=1)

    assert github_app.minted == [1]


def test_private_key_is_read_from_its_path(github_app, app_key, settings, tmp_path):
    github_app.installations[1] = [REPO]
    path = tmp_path / "app.pem"
    path.write_text(private_key_pem(app_key))
    settings.GITHUB_APP_PRIVATE_KEY, settings.GITHUB_APP_PRIVATE_KEY_PATH = "", str(path)

    read_reviews(installation_id=1)

    assert github_app.minted == [1]


def test_jwt_signed_with_another_key_is_refused(github_app, settings):
    from cryptography.hazmat.primitives.asymmetric import rsa

    github_app.installations[1] = [REPO]
    settings.GITHUB_APP_PRIVATE_KEY = private_key_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    with pytest.raises(GitHubError, match="401"):
        read_reviews(installation_id=1)
    assert github_app.minted == []


# --- installation tokens ----------------------------------------------------------------------


def test_calls_within_the_hour_cost_one_token_request_per_installation(github_app):
    github_app.installations = {1: [REPO], 2: ["octocat/Hello-World"]}

    for _ in range(5):
        read_reviews(REPO, installation_id=1)
        read_reviews("octocat/Hello-World", installation_id=2)
        github_app.clock.advance(600)  # 50 minutes in all

    assert sorted(github_app.minted) == [1, 2]
    assert len(github_app.used_tokens) == 10


def test_another_process_uses_the_token_in_the_shared_cache(github_app):
    github_app.installations[1] = [REPO]
    read_reviews(installation_id=1)

    github_app_auth.clear_local_tokens()  # a second worker process: same Redis, empty memory
    read_reviews(installation_id=1)

    assert github_app.minted == [1]
    assert len(set(github_app.used_tokens)) == 1


def test_concurrent_workers_mint_one_token(github_app):
    github_app.installations[1] = [REPO]
    tokens = []

    def worker():
        github_app_auth.clear_local_tokens()
        tokens.append(github_app_auth.installation_token(1))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert github_app.minted == [1]
    assert len(set(tokens)) == 1


def test_token_refused_with_401_is_minted_again_once_and_the_call_retried(github_app, fake_github):
    github_app.installations[1] = [REPO]
    read_reviews(installation_id=1)
    first = github_app.used_tokens[-1]
    github_app.revoke(first)

    assert read_reviews(installation_id=1) == []

    assert github_app.minted == [1, 1]
    assert github_app.used_tokens[-1] != first
    assert keys(fake_github)[-3:] == [REVIEWS, MINT, REVIEWS]


def test_a_second_401_after_the_new_token_is_an_error_not_a_loop(github_app, fake_github):
    github_app.installations[1] = [REPO]
    fake_github.queue_error(REVIEWS, 401, body={"message": "Bad credentials"})
    fake_github.queue_error(REVIEWS, 401, body={"message": "Bad credentials"})

    with pytest.raises(GitHubError, match="401"):
        read_reviews(installation_id=1)

    assert github_app.minted == [1, 1]
    assert keys(fake_github) == [MINT, REVIEWS, MINT, REVIEWS]


def test_token_is_not_used_past_its_expiry_less_the_margin(github_app):
    github_app.installations[1] = [REPO]
    read_reviews(installation_id=1)
    first = github_app.used_tokens[-1]

    github_app.clock.advance(TOKEN_LIFETIME_S - github_app_auth.TOKEN_MARGIN_S - 30)
    read_reviews(installation_id=1)
    assert github_app.minted == [1]

    github_app.clock.advance(60)  # now inside the last 5 minutes of the token's hour
    read_reviews(installation_id=1)

    assert github_app.minted == [1, 1]
    assert github_app.used_tokens[-1] != first


# --- which installation ---------------------------------------------------------------------


def test_stored_installation_of_the_repository_is_used(github_app, fake_github):
    github_app.installations[7] = [REPO]
    installed(7)

    read_reviews()

    assert github_app.minted == [7]
    assert LOOKUP not in keys(fake_github)


def test_unknown_repository_installation_is_asked_once_and_remembered(github_app, fake_github):
    github_app.installations[8] = [REPO]

    read_reviews()
    github_app_auth.clear_local_tokens()
    read_reviews()

    assert keys(fake_github).count(LOOKUP) == 1
    assert InstallationRepository.objects.get().installation.installation_id == 8


def test_repository_without_the_app_installed_fails_permanently(github_app):
    with pytest.raises(NotInstalled, match="not installed on Codertocat/Hello-World"):
        read_reviews()


def test_without_app_or_token_a_review_ends_failed_with_github_not_configured(fake_github, settings):
    settings.GITHUB_TOKEN = ""
    review = ReviewFactory(state=JobState.PENDING, pull_request__repository=REPO)

    review_pull_request(review.pk)

    review = Review.objects.get(pk=review.pk)
    assert review.state == JobState.FAILED
    assert review.error.startswith("GitHub not configured")
    assert fake_github.calls == []


# --- installation deliveries ----------------------------------------------------------------


def process(client, event: str, name: str):
    response = deliver(client, event, payload_bytes(name))
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])
    process_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == JobState.DONE, delivery.error
    return delivery


def test_created_installation_keeps_its_repositories_and_github_s_unix_created_at(client):
    process(client, "installation", "installation/created")

    installation = Installation.objects.get(installation_id=957387)
    assert list(installation.repositories.values_list("full_name", flat=True)) == [REPO]
    assert installation.installed_at.timestamp() == 1557933591
    assert installation.repository_selection == "selected"


def test_repositories_added_and_removed_are_kept(client):
    process(client, "installation", "installation/created")
    process(client, "installation_repositories", "installation_repositories/added")
    assert set(InstallationRepository.objects.values_list("full_name", flat=True)) == {REPO, "Codertocat/Space"}

    process(client, "installation", "installation/deleted")  # installation 2, octocat/Hello-World
    process(client, "installation_repositories", "installation_repositories/removed")

    assert not InstallationRepository.objects.filter(full_name="octocat/Hello-World").exists()
    assert InstallationRepository.objects.filter(installation__installation_id=957387).count() == 2


def test_suspended_installation_stops_every_call_until_unsuspended(client, github_app, fake_github):
    github_app.installations[16598467] = [REPO]
    delivery = process(client, "installation", "installation/suspend")  # all of Codertocat's repositories
    installation = Installation.objects.get(installation_id=16598467)
    assert installation.suspended_at.isoformat() == "2021-04-29T02:32:50+00:00"
    assert installation.installed_at is not None  # created_at as ISO text here
    assert "suspended" in delivery.result

    with pytest.raises(InstallationStopped, match="16598467 .* is suspended"):
        read_reviews(REPO)
    with pytest.raises(InstallationStopped):
        read_reviews(REPO, installation_id=16598467)
    assert fake_github.calls == []

    process(client, "installation", "installation/unsuspend")
    read_reviews(REPO)
    assert github_app.minted == [16598467]


def test_deleted_installation_stops_calls_and_a_review_ends_failed_with_why(client, github_app, fake_github):
    process(client, "installation", "installation/deleted")  # installation 2 of octocat/Hello-World
    review = ReviewFactory(state=JobState.PENDING, pull_request__repository="octocat/Hello-World")

    review_pull_request(review.pk)

    review = Review.objects.get(pk=review.pk)
    assert review.state == JobState.FAILED
    assert "GitHub App installation 2 (octocat) is deleted" in review.error
    assert fake_github.calls == []


def test_suspending_drops_the_cached_token(client, github_app):
    github_app.installations[16598467] = [REPO]
    github_app_auth.installation_token(16598467)

    process(client, "installation", "installation/suspend")

    assert cache.get(github_app_auth._cache_key(16598467)) is None
