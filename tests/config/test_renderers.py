import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from config.api.renderers import FastJSONRenderer

UTC = datetime.UTC
SAMPLES = [
    {"id": 1, "title": "Ünïcode ✓ and \u2028 line\u2029 separators", "labels": ["bug", "ui"], "none": None},
    {"created_at": datetime.datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)},
    {"created_at": datetime.datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))},
    {"naive": datetime.datetime(2026, 11, 21, 9, 30), "date": datetime.date(2026, 11, 21)},
    {"amount": decimal.Decimal("12.50"), "ratio": 0.25, "big": 2**40, "flag": True},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "lazy": gettext_lazy("Not found.")},
    {1: "integer key", "nested": {"deep": [1, [2, {"x": None}]]}},
    ReturnDict({"serializer": "output"}, serializer=None),
    [{"a": 1}, {"b": 2}],
    {"huge": 2**70},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_bytes_are_the_same_as_drfs_json_renderer(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_indent_requested_by_the_client_is_honoured():
    rendered = FastJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert rendered == b'{\n  "a": [\n    1\n  ]\n}'


def test_api_lists_are_rendered_by_the_fast_renderer(user_client):
    response = user_client.get("/api/projects/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
