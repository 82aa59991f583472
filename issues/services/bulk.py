"""Inserting many rows at once: COPY on PostgreSQL, bulk_create elsewhere."""

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

BATCH = 1000


def rows_insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """Insert `objs` (new rows, auto primary key) without fetching their ids.

    Django compiles a bulk INSERT at a few hundred microseconds per row for wide tables; COPY
    streams the same values for a fraction of that. Triggers and constraints apply as usual."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the object itself, not the thread-local proxy
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    now = timezone.now()
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.get_internal_type() != "SearchVectorField"
    ]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields])
