import json
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.jobs.state import JobState
from reviews.models import Delivery
from reviews.webhooks import signature_is_valid
from tests.reviews.github import deliver, payload_bytes, sign

pytestmark = pytest.mark.django_db


def test_signature_matches_githubs_published_test_vector():
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    assert signature_is_valid(b"Hello, World!", header, "It's a Secret to Everybody")


def test_signed_pull_request_delivery_is_stored_and_answered_202(client, django_capture_on_commit_callbacks):
    body = payload_bytes("pull_request/opened")

    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, "pull_request", body, delivery_id="d-1")

    assert response.status_code == 202
    assert response.json() == {"delivery": "d-1", "state": "pending"}
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.action, delivery.repository) == (
        "pull_request",
        "opened",
        "Codertocat/Hello-World",
    )
    assert delivery.payload == json.loads(body)
    assert delivery.installation_id == 1
    assert len(callbacks) == 1


def test_wrong_signature_is_refused_with_401_and_nothing_stored(client):
    body = payload_bytes("pull_request/opened")

    response = deliver(client, "pull_request", body, signature=sign(body, "another secret"))

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_signature"
    assert not Delivery.objects.exists()


def test_missing_signature_is_refused_with_401(client):
    response = deliver(client, "pull_request", payload_bytes("pull_request/opened"), signature="")

    assert response.status_code == 401
    assert not Delivery.objects.exists()


def test_signature_of_a_different_body_is_refused(client):
    body = payload_bytes("pull_request/opened")

    response = deliver(client, "pull_request", body + b" ", signature=sign(body))

    assert response.status_code == 401


def test_without_a_configured_secret_every_delivery_is_refused(client, settings):
    settings.GITHUB_WEBHOOK_SECRET = ""
    body = payload_bytes("pull_request/opened")

    response = deliver(client, "pull_request", body, signature=sign(body, ""))

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "webhook_not_configured"
    assert not Delivery.objects.exists()


def test_malformed_json_with_a_valid_signature_is_a_400(client):
    response = deliver(client, "pull_request", b'{"action": "opened",')

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "malformed_payload"
    assert not Delivery.objects.exists()


def test_body_over_25_mb_is_refused_with_413(client, settings):
    settings.GITHUB_WEBHOOK_MAX_BYTES = 1000
    body = b'{"padding": "' + b"x" * 2000 + b'"}'

    response = deliver(client, "pull_request", body)

    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload_too_large"
    assert not Delivery.objects.exists()


def test_the_same_delivery_again_answers_200_and_does_nothing(client, django_capture_on_commit_callbacks):
    body = payload_bytes("pull_request/opened")
    deliver(client, "pull_request", body, delivery_id="d-dup")

    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, "pull_request", body, delivery_id="d-dup")

    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert Delivery.objects.count() == 1
    assert callbacks == []


def test_ping_answers_200_and_queues_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, "ping", payload_bytes("ping/ping"))

    assert response.status_code == 200
    assert response.json()["zen"]
    assert Delivery.objects.get().state == JobState.DONE
    assert callbacks == []


def test_unhandled_event_is_stored_as_skipped(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, "pull_request_review", {"action": "submitted", "review": {}})

    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert delivery.state == JobState.SKIPPED
    assert "not handled" in delivery.result
    assert callbacks == []


def test_unhandled_action_of_a_handled_event_is_stored_as_skipped(client):
    deliver(client, "pull_request", {"action": "assigned", "pull_request": {}})

    assert Delivery.objects.get().state == JobState.SKIPPED


def test_missing_event_header_is_a_400(client):
    body = payload_bytes("ping/ping")

    response = client.generic(
        "POST",
        "/webhooks/github/",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_DELIVERY="d-x",
        HTTP_X_HUB_SIGNATURE_256=sign(body),
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "missing_header"


def test_get_is_not_allowed(client):
    assert client.get("/webhooks/github/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_sent_twice_at_once_is_stored_once():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    body = payload_bytes("pull_request/opened")

    def send(_n):
        try:
            return deliver(Client(), "pull_request", body, delivery_id="d-race").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(send, range(4)))

    assert statuses == [200, 200, 200, 202]
    assert Delivery.objects.filter(delivery_id="d-race").count() == 1


@pytest.mark.django_db
def test_delivery_payloads_are_compressed_with_lz4_and_the_table_has_no_like_indexes():
    """Every acknowledgement inserts a row: its payload uses the cheaper compression and the
    table carries only the indexes something reads."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'reviews_delivery'::regclass"
            " AND attname = 'payload'"
        )
        assert cursor.fetchone()[0] == "l"
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'reviews_delivery'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 4
    assert not [d for d in definitions if "pattern_ops" in d]


def test_form_encoded_delivery_is_stored_like_a_json_one(client):
    """GitHub's other content type: the JSON is the `payload` form field, signed as sent."""
    from urllib.parse import urlencode

    text = payload_bytes("pull_request/opened").decode()
    body = urlencode({"payload": text}).encode()
    response = client.generic(
        "POST",
        "/webhooks/github/",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_GITHUB_EVENT="pull_request",
        HTTP_X_GITHUB_DELIVERY="d-form",
        HTTP_X_HUB_SIGNATURE_256=sign(body),
    )

    assert response.status_code == 202
    assert Delivery.objects.get(delivery_id="d-form").payload == json.loads(text)


def test_nan_in_a_signed_payload_is_a_400(client):
    response = deliver(client, "pull_request", b'{"action": "opened", "number": NaN}')

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "malformed_payload"
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_json_that_postgresql_cannot_store_is_a_400_and_the_next_delivery_is_stored(client):
    response = deliver(client, "pull_request", b'{"action": "opened", "title": "nul \\u0000 byte"}')

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "malformed_payload"
    assert deliver(client, "pull_request", payload_bytes("pull_request/opened")).status_code == 202
    assert Delivery.objects.count() == 1


def test_an_integer_beyond_64_bits_is_stored_exactly_as_sent(client):
    """The parser reads such a number as a float, but what is stored is the text GitHub sent."""
    body = b'{"action": "opened", "number": 18446744073709551617}'

    assert deliver(client, "pull_request", body, delivery_id="d-big").status_code == 202
    assert Delivery.objects.get(delivery_id="d-big").payload["number"] == 18446744073709551617


def test_a_delivery_is_stored_with_one_insert_that_skips_a_redelivery(client, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        response = deliver(client, "pull_request", payload_bytes("pull_request/opened"), delivery_id="d-one")

    assert response.status_code == 202
    sql = captured.captured_queries[0]["sql"]
    assert sql.startswith('INSERT INTO "reviews_delivery"')
    assert 'ON CONFLICT ("delivery_id") DO NOTHING RETURNING "id"' in sql


@pytest.mark.django_db(transaction=True)
def test_a_delivery_during_a_broker_outage_is_answered_202_and_left_pending_for_the_sweeper(
    client, broker_unreachable, caplog
):
    # Autocommit, as in production: the job is published inside the request, and fails.
    response = deliver(client, "pull_request", payload_bytes("pull_request/opened"), delivery_id="d-outage")

    assert response.status_code == 202
    assert Delivery.objects.get(delivery_id="d-outage").state == JobState.PENDING
    assert "could not send reviews.process_delivery" in caplog.text


# --- the database dropping out ------------------------------------------------------------


@contextmanager
def backend_killed_on_insert(times: int):
    """Terminate this connection's PostgreSQL backend (from another connection) right before
    each of the next `times` delivery INSERTs: the server really drops the connection."""
    kills = []

    def wrapper(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "reviews_delivery"') and len(kills) < times:
            pid = context["connection"].connection.info.backend_pid
            db = settings.DATABASES["default"]
            with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            kills.append(pid)
        return execute(sql, params, many, context)

    connection.ensure_connection()
    with connection.execute_wrapper(wrapper):
        yield kills


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_during_the_insert_is_retried_once(client, django_capture_on_commit_callbacks):
    with backend_killed_on_insert(times=1) as kills, django_capture_on_commit_callbacks(execute=False):
        response = deliver(client, "pull_request", payload_bytes("pull_request/opened"))

    assert len(kills) == 1
    assert response.status_code == 202
    assert Delivery.objects.filter(delivery_id=response.json()["delivery"], state=JobState.PENDING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_down_answers_503_with_retry_after_and_stores_nothing(client):
    with backend_killed_on_insert(times=2):
        response = deliver(client, "pull_request", payload_bytes("pull_request/opened"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["type"] == "database_unavailable"
    assert Delivery.objects.count() == 0
