"""GET /metrics: Prometheus text computed from the database at scrape time, for operators only."""

from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from config.jobs.errors import TransientError
from config.jobs.state import JobState
from issues.models import Issue
from llm.models import LLMCall
from reviews.github import GitHubClient
from reviews.models import Delivery
from reviews.ratelimit import acquire_write_slot
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory
from tests.reviews.conftest import fake_github  # noqa: F401  (fixture)
from tests.reviews.github import API_URL

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def _scrape() -> dict[tuple[str, tuple], float]:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


# --- access ------------------------------------------------------------------------------------


def _assert_error(response, status: int, type_: str) -> None:
    assert response.status_code == status
    assert response.json()["error"]["type"] == type_


def test_without_credentials_metrics_are_401_in_the_error_format():
    response = Client().get("/metrics")

    _assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_token_is_401():
    _assert_error(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope"), 401, "authentication_failed")


def test_without_a_configured_token_no_bearer_token_is_accepted(settings):
    settings.METRICS_TOKEN = ""

    _assert_error(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer "), 401, "not_authenticated")
    _assert_error(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer x"), 401, "authentication_failed")


def test_a_non_staff_session_is_403():
    client = Client()
    client.force_login(UserFactory())

    _assert_error(client.get("/metrics"), 403, "permission_denied")


def test_a_staff_session_may_scrape():
    client = Client()
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/metrics")

    assert response.status_code == 200
    assert b"# TYPE triage_jobs gauge" in response.content


def test_metrics_answer_only_reads():
    response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    _assert_error(response, 405, "method_not_allowed")


# --- figures -----------------------------------------------------------------------------------


def test_jobs_are_counted_by_kind_and_state():
    IssueFactory.create_batch(2, triage_state=JobState.PENDING)
    IssueFactory(triage_state=JobState.FAILED, plan_state=JobState.DONE)

    samples = _scrape()

    assert _value(samples, "triage_jobs", kind="issues.triage", state="pending") == 2
    assert _value(samples, "triage_jobs", kind="issues.triage", state="failed") == 1
    assert _value(samples, "triage_jobs", kind="issues.plan", state="done") == 1
    assert _value(samples, "triage_jobs", kind="reviews.review_pull_request", state="running") == 0


def test_stuck_jobs_are_those_the_sweeper_would_resend(settings):
    settings.JOB_STUCK_AFTER_S = 900
    stuck = IssueFactory(triage_state=JobState.RUNNING)
    IssueFactory(triage_state=JobState.RUNNING, triage_state_changed_at=timezone.now())
    Issue.objects.filter(pk=stuck.pk).update(triage_state_changed_at=timezone.now() - timedelta(hours=1))

    assert _value(_scrape(), "triage_jobs_stuck", kind="issues.triage") == 1


def test_queue_lengths_are_the_brokers_list_lengths(settings):
    from kombu import Queue

    # Queues no worker consumes, on the cache's Redis database (emptied before every test).
    settings.CELERY_TASK_QUEUES = [Queue("metrics-test-default"), Queue("metrics-test-llm")]
    settings.CELERY_BROKER_URL = django_settings.CACHES["default"]["LOCATION"]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.lpush("metrics-test-llm", "a", "b", "c")
    broker.lpush("metrics-test-llm\x06\x169", "urgent")
    broker.lpush("metrics-test-default", "d")

    samples = _scrape()

    assert _value(samples, "triage_queue_length", queue="metrics-test-llm") == 4
    assert _value(samples, "triage_queue_length", queue="metrics-test-default") == 1


def test_a_broker_that_does_not_answer_leaves_the_other_figures(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    IssueFactory(triage_state=JobState.PENDING)

    samples = _scrape()

    assert not any(name == "triage_queue_length" for name, _ in samples)
    assert _value(samples, "triage_jobs", kind="issues.triage", state="pending") == 1


def _ledger_row(**values) -> LLMCall:
    defaults = {"purpose": "triage", "model": "gpt-4o-mini", "outcome": "ok", "request_hash": "h" * 64}
    return LLMCall.objects.create(**{**defaults, **values})


def test_llm_calls_tokens_cost_and_latency_by_purpose_and_outcome():
    _ledger_row(prompt_tokens=100, completion_tokens=20, cost_usd=Decimal("0.0010"), latency_ms=1500)
    _ledger_row(prompt_tokens=300, completion_tokens=40, cost_usd=Decimal("0.0020"), latency_ms=500)
    _ledger_row(outcome="transient_error", latency_ms=2000)
    _ledger_row(purpose="review", outcome="cache_hit", latency_ms=2)

    samples = _scrape()

    ok = {"purpose": "triage", "outcome": "ok"}
    assert _value(samples, "triage_llm_calls_total", **ok) == 2
    assert _value(samples, "triage_llm_tokens_total", **ok, type="prompt") == 400
    assert _value(samples, "triage_llm_tokens_total", **ok, type="completion") == 60
    assert _value(samples, "triage_llm_cost_usd_total", **ok) == pytest.approx(0.003)
    assert _value(samples, "triage_llm_latency_seconds_count", **ok) == 2
    assert _value(samples, "triage_llm_latency_seconds_sum", **ok) == pytest.approx(2.0)
    assert _value(samples, "triage_llm_calls_total", purpose="triage", outcome="transient_error") == 1
    assert _value(samples, "triage_llm_cache_hits_total", purpose="review") == 1


def test_webhook_deliveries_by_event_and_state():
    Delivery.objects.create(delivery_id="1", event="pull_request", payload={}, state=JobState.DONE)
    Delivery.objects.create(delivery_id="2", event="pull_request", payload={}, state=JobState.DONE)
    Delivery.objects.create(delivery_id="3", event="issue_comment", payload={}, state=JobState.FAILED)

    samples = _scrape()

    assert _value(samples, "triage_webhook_deliveries", event="pull_request", state="done") == 2
    assert _value(samples, "triage_webhook_deliveries", event="issue_comment", state="failed") == 1


def test_github_rate_limit_waits_are_counted_where_they_happen(settings, fake_github):  # noqa: F811
    settings.GITHUB_WRITES_PER_MINUTE = 1
    settings.GITHUB_API_URL = API_URL
    acquire_write_slot()
    with pytest.raises(TransientError):
        acquire_write_slot()
    fake_github.queue_error("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 429)
    with pytest.raises(TransientError):
        GitHubClient().list_pull_files("Codertocat/Hello-World", 2)

    samples = _scrape()

    assert _value(samples, "triage_github_rate_limit_waits_total", source="local") == 1
    assert _value(samples, "triage_github_rate_limit_waits_total", source="github") == 1


def test_a_cache_that_does_not_answer_loses_the_count_not_the_job(settings):
    from config.ops.metrics import record_github_rate_limit_wait

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    record_github_rate_limit_wait("github")  # no exception
