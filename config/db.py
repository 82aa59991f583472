"""A faster reader of PostgreSQL `timestamptz` values, installed on every new connection.

Django reads timestamps through psycopg's pure-Python parser (about 4 µs a value; a page of
100 issues carries 700). PostgreSQL's ISO output, "2026-11-21 09:30:05.123456+00", is what
`datetime.fromisoformat` (C, about 0.5 µs) reads; anything else (infinity, BC dates, another
DateStyle) still goes through the parser Django uses. The loader subclasses Django's and keeps
its meaning: the value in the connection's time zone, labelled with `timezone`.
"""

from datetime import datetime

from django.db.backends.signals import connection_created


def fast_tz_loader(tz):
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class FastTzLoader(BaseTzLoader):
        timezone = tz

        def load(self, data):
            try:
                value = datetime.fromisoformat(bytes(data).decode())
            except ValueError:
                return super().load(data)
            if value.tzinfo is None:
                return super().load(data)
            return value.replace(tzinfo=self.timezone)

    return FastTzLoader


def install_fast_tz_loader(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    # Django's create_cursor re-registers its own loader only when `timezone` differs.
    connection.connection.adapters.register_loader("timestamptz", fast_tz_loader(connection.timezone))


def connect() -> None:
    connection_created.connect(install_fast_tz_loader, dispatch_uid="config.db.fast_tz_loader")
