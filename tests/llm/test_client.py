from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from llm.client import parse_duration, retry_after_from_headers


@pytest.mark.parametrize(
    ("value", "seconds"), [("6m0s", 360.0), ("1s", 1.0), ("12ms", 0.012), ("2", 2.0), ("1h2m", 3720.0)]
)
def test_durations_in_openai_header_format(value, seconds):
    assert parse_duration(value) == pytest.approx(seconds)


def test_unreadable_duration_is_none():
    assert parse_duration("soon") is None


def test_retry_after_ms_wins_over_retry_after():
    assert retry_after_from_headers({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)

    assert 28 <= retry_after_from_headers({"retry-after": when}) <= 30


def test_reset_header_of_the_exhausted_budget_is_used_without_retry_after():
    headers = {
        "x-ratelimit-remaining-requests": "5",
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "6m0s",
    }

    assert retry_after_from_headers(headers) == 360.0


def test_no_hint_gives_none():
    assert retry_after_from_headers({"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "1s"}) is None
