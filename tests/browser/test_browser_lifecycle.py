"""The browser leaves the test thread as it found it, for the tests of other modules that run
in the same process next: no event loop marked running, Django's ORM guard back."""

import asyncio
import os

import pytest

from tests.browser.conftest import running_browser

pytestmark = pytest.mark.browser


def test_once_the_browser_stops_the_thread_is_as_before(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with running_browser():
        orm_allowed_inside = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")

    with pytest.raises(RuntimeError):  # no running event loop
        asyncio.get_running_loop()
    assert (orm_allowed_inside, os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")) == ("true", None)
