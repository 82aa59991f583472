import pytest
from django.test import Client

from llm.models import LLMCall, LLMProbe
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_ledger_changelist_shows_totals_of_the_filtered_rows(admin_client):
    for purpose, tokens in (("issues.triage", 100), ("issues.triage", 50), ("reviews.review", 7)):
        LLMCall.objects.create(
            purpose=purpose, model="gpt-4o-mini", outcome="ok", request_hash="b" * 64, prompt_tokens=tokens
        )

    response = admin_client.get("/admin/llm/llmcall/", {"purpose": "issues.triage"})

    assert response.status_code == 200
    assert response.context["ledger_totals"]["prompt_tokens"] == 150
    assert b"Totals of the 2 call(s)" in response.content


def test_ledger_rows_cannot_be_changed(admin_client):
    call = LLMCall.objects.create(purpose="x", model="m", outcome="ok", request_hash="c" * 64)

    response = admin_client.post(f"/admin/llm/llmcall/{call.pk}/change/", {"purpose": "y"})

    call.refresh_from_db()
    assert (response.status_code, call.purpose) == (403, "x")


def test_adding_a_probe_queues_it(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post("/admin/llm/llmprobe/add/", {"question": "Still there?"})

    assert response.status_code == 302
    probe = LLMProbe.objects.get()
    assert (probe.question, probe.state, len(callbacks)) == ("Still there?", "pending", 1)


def test_rerun_action_queues_a_failed_probe_again(admin_client, django_capture_on_commit_callbacks):
    probe = LLMProbe.objects.create(question="Still there?", state="failed", error="LLM not configured")

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post("/admin/llm/llmprobe/", {"action": "rerun", "_selected_action": [probe.pk]})

    probe.refresh_from_db()
    assert (probe.state, probe.error, len(callbacks)) == ("pending", "", 1)
