"""Database connections stay bounded while a review's files wait on the provider in parallel."""

import threading

import psycopg
import pytest
from django.conf import settings as django_settings

from reviews.services import review as review_service
from tests.fakes.openai_server import sample_for_schema
from tests.reviews.github import deliver, diff_entry, payload_bytes
from tests.reviews.test_review_flow import patch_of, wait_for_review

FILES = 10


def _connections_to_test_database() -> int:
    """Counted over a connection to another database, so the count leaves itself out."""
    db = django_settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres"
    ) as counter:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return counter.execute(query, [db["NAME"]]).fetchone()[0]


@pytest.fixture
def wide_file_pool(settings, monkeypatch):
    """A review thread per file; the pool is made afresh with that width and stopped after."""
    settings.REVIEW_FILE_CONCURRENCY = FILES
    monkeypatch.setattr(review_service, "_pool", None)
    yield
    if review_service._pool is not None:
        review_service._pool.shutdown(wait=True)


def test_review_threads_waiting_on_the_provider_stay_within_the_pool(
    client, project, fake_github, fake_openai, celery_worker, wide_file_pool
):
    fake_github.files[2] = [diff_entry(f"src/module_{n}.py", patch_of(f"module_{n}")) for n in range(FILES)]
    fake_openai.delay_s = 0.5
    counts = []
    lock = threading.Lock()

    def answer(body: dict) -> dict:
        # Runs once the request has waited `delay_s`: every file's call is in flight by then.
        with lock:
            counts.append(_connections_to_test_database())
        return sample_for_schema(body["response_format"]["json_schema"]["schema"])

    fake_openai.set_responder(answer)

    response = deliver(client, "pull_request", payload_bytes("pull_request/opened"))
    assert response.status_code == 202
    review = wait_for_review()

    assert review.files_reviewed == FILES
    assert len(counts) == FILES
    # The whole test process (test thread, worker thread, ten review threads, lease renewer)
    # shares one pool: never more connections than its size, however many files wait
    # (without it: one per review thread, twelve and more).
    assert max(counts) <= django_settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
