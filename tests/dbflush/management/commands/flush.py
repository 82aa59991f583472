"""Tests only (config/settings/test.py installs this app): `flush` empties the tables with
DELETE instead of TRUNCATE.

Every transactional test (a real worker, a live server) ends with a flush. PostgreSQL's
TRUNCATE gives each of the ~50 tables and their indexes new files, about 0.2 s however few rows
a test left; deleting those few rows takes a few milliseconds. Foreign keys are deferred to the
commit, when every table is empty. Content types and permissions are kept: post_migrate would
create the same rows again. Anything else asked of flush (sequences reset) is Django's own.
"""

from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction

KEPT_TABLES = frozenset({"django_content_type", "auth_permission", "django_migrations"})


class Command(flush.Command):
    def handle(self, **options):
        if options.get("reset_sequences", True):
            return super().handle(**options)
        database = options["database"]
        connection = connections[database]
        tables = [
            table
            for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if table not in KEPT_TABLES
        ]
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        if not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], options["interactive"], database)
