import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_auth(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", READYZ_TIMEOUT_S=0.5)
def test_readyz_is_503_with_retry_after_when_broker_is_unreachable(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["checks"] == {"database": "ok", "broker": "down"}
    assert body["error"]["type"] == "dependency_unavailable"


def test_request_id_is_echoed_back(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
