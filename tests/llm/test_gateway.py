import pytest
from django.contrib.contenttypes.models import ContentType

from llm import complete
from llm.choices import Outcome
from llm.errors import LLMNotConfigured, LLMPermanentError, LLMTransientError
from llm.models import LLMCall
from tests.llm.conftest import Verdict

pytestmark = pytest.mark.django_db

MESSAGES = [{"role": "system", "content": "Classify."}, {"role": "user", "content": "The app crashes on start."}]


def ask(**overrides):
    return complete(**{"purpose": "tests.classify", "messages": MESSAGES, "output": Verdict, **overrides})


def test_complete_returns_the_validated_reply_and_its_ledger_row(fake_openai):
    fake_openai.add_reply({"label": "bug", "score": 3})

    result = ask()

    assert result.data == Verdict(label="bug", score=3)
    assert result.cached is False
    call = LLMCall.objects.get(pk=result.call_id)
    assert (call.outcome, call.purpose, call.status_code) == (Outcome.OK, "tests.classify", 200)
    assert call.prompt_tokens > 0 and call.completion_tokens > 0
    assert call.cost_usd > 0
    assert call.reply == '{"label": "bug", "score": 3}'


def test_request_asks_for_strict_json_schema_output(fake_openai):
    fake_openai.add_reply({"label": "bug", "score": 3})

    ask()

    response_format = fake_openai.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["name"] == "Verdict"
    assert response_format["json_schema"]["schema"]["additionalProperties"] is False
    assert response_format["json_schema"]["schema"]["required"] == ["label", "score"]


def test_invalid_output_is_retried_once_with_the_validation_error_fed_back(fake_openai):
    fake_openai.add_reply({"label": "bug"})
    fake_openai.add_reply({"label": "bug", "score": 2})

    result = ask()

    assert result.data.score == 2
    retry_messages = fake_openai.requests[1]["messages"]
    assert retry_messages[-2] == {"role": "assistant", "content": '{"label": "bug"}'}
    assert "score: Field required" in retry_messages[-1]["content"]
    outcomes = list(LLMCall.objects.order_by("id").values_list("outcome", "attempt"))
    assert outcomes == [(Outcome.INVALID_OUTPUT, 1), (Outcome.OK, 2)]


def test_malformed_json_twice_is_a_permanent_error(fake_openai):
    fake_openai.add_malformed()
    fake_openai.add_malformed()

    with pytest.raises(LLMPermanentError, match="invalid LLM output after 2 attempts: Invalid JSON") as raised:
        ask()

    assert raised.value.type == "invalid_output"
    assert LLMCall.objects.filter(outcome=Outcome.INVALID_OUTPUT).count() == 2


def test_server_error_is_transient_and_recorded(fake_openai):
    fake_openai.add_error(500)

    with pytest.raises(LLMTransientError):
        ask()

    call = LLMCall.objects.get()
    assert (call.outcome, call.status_code, call.error_type) == (Outcome.TRANSIENT_ERROR, 500, "http_500")


def test_provider_429_carries_its_retry_after(fake_openai):
    fake_openai.add_error(429, headers={"retry-after-ms": "1500"})

    with pytest.raises(LLMTransientError) as raised:
        ask()

    assert raised.value.retry_after == 1.5
    assert LLMCall.objects.get().outcome == Outcome.RATE_LIMITED


def test_bad_request_is_permanent(fake_openai):
    fake_openai.add_error(400)

    with pytest.raises(LLMPermanentError) as raised:
        ask()

    assert raised.value.type == "http_400"
    assert LLMCall.objects.get().outcome == Outcome.PERMANENT_ERROR


def test_refusal_is_permanent(fake_openai):
    fake_openai.add_refusal("I can't help with that.")

    with pytest.raises(LLMPermanentError, match="LLM refused") as raised:
        ask()

    assert raised.value.type == "refusal"


def test_unreachable_provider_is_transient(settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"

    with pytest.raises(LLMTransientError, match="unreachable"):
        ask()

    assert LLMCall.objects.get().error_type == "connection_error"


def test_without_an_api_key_the_gateway_is_not_configured(settings):
    settings.OPENAI_API_KEY = ""

    with pytest.raises(LLMNotConfigured, match="LLM not configured"):
        ask()

    assert not LLMCall.objects.exists()


def test_same_request_twice_is_one_provider_call_and_one_cache_hit(fake_openai):
    fake_openai.add_reply({"label": "bug", "score": 3})

    first = ask()
    second = ask()

    assert len(fake_openai.requests) == 1
    assert (second.cached, second.data) == (True, first.data)
    hit = LLMCall.objects.get(pk=second.call_id)
    assert (hit.outcome, hit.cache_source_id, hit.cost_usd) == (Outcome.CACHE_HIT, first.call_id, 0)


def test_cache_can_be_bypassed(fake_openai):
    ask()
    ask(use_cache=False)

    assert len(fake_openai.requests) == 2


def test_subject_is_recorded_on_the_ledger_row(fake_openai, user):
    result = ask(subject=user)

    call = LLMCall.objects.get(pk=result.call_id)
    assert (call.subject_type, call.subject_id) == (ContentType.objects.get_for_model(user), str(user.pk))
    assert call.subject == user


def test_api_key_is_never_stored(fake_openai):
    ask()

    row = LLMCall.objects.values().get()
    assert "sk-test-fake-openai" not in repr(row)


def test_long_prompts_are_trimmed_on_the_ledger(fake_openai, settings):
    settings.LLM_LEDGER_PAYLOAD_MAX_CHARS = 500

    ask(messages=[{"role": "user", "content": "x" * 5000}])

    prompt = LLMCall.objects.get().prompt
    assert len(prompt[0]["content"]) < 500
    assert prompt[0]["content"].endswith("[trimmed]")
    assert len(fake_openai.requests[0]["messages"][0]["content"]) == 5000
