from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from config.db import fast_tz_loader


@pytest.mark.django_db
def test_connections_read_timestamps_with_the_fast_loader_and_the_same_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-11-21 09:30:05.123456+00'::timestamptz, '2026-11-21 09:30:00+05:30'::timestamptz")
        micro, offset = cursor.fetchone()
        loader = cursor.cursor.adapters.get_loader(1184, 0)

    assert loader.__name__ == "FastTzLoader"
    assert micro == datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)
    assert micro.tzinfo is connection.timezone
    assert offset == datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def test_the_loader_keeps_djangos_meaning_for_other_time_zones_and_falls_back_on_other_text():
    plus_one = timezone(timedelta(hours=1))
    loader = fast_tz_loader(plus_one)(1184)

    # The text is in the session's zone; the value is labelled with the loader's (as Django's).
    assert loader.load(b"2026-11-21 10:30:05+01") == datetime(2026, 11, 21, 10, 30, 5, tzinfo=plus_one)
    with pytest.raises(Exception, match="infinity"):
        loader.load(b"infinity")
