"""Archiving of stale issues: the daily beat job `issues.archive_stale`.

An issue is stale when no activity touched it for ARCHIVE_AFTER_DAYS (`last_activity_at` before
the cut-off) and it is not exempt: exempt are issues carrying one of their project's
`archive_exempt_labels` and unfinished critical issues. Activity is a person's update or
comment, or a reopen (issues.services.activity.is_activity): automation's writes (the LLM, the
rules, the sync of our own writes coming back from GitHub) move `updated_at` only, so they
neither restart the clock nor bring an archived issue back.

The job is set-based: each batch is one statement that locks up to `batch_size` candidates
(`FOR UPDATE SKIP LOCKED`, so a row being edited right now is left alone), re-checks the
staleness condition on the locked row, sets `archived_at` and inserts the automation activity
rows. Every batch commits on its own and only ever touches unarchived rows, so a crashed run
loses at most one batch and the next run carries on; two runs at once share the work.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from issues.actors import AUTOMATION
from issues.choices import FINISHED_STATUSES, IssuePriority
from issues.models import Activity, Issue, Label, Project

logger = logging.getLogger(__name__)

ARCHIVE_FIELD = "archived_at"
SAMPLE_SIZE = 20


@dataclass
class ArchiveReport:
    dry_run: bool
    cutoff: datetime
    archived: int = 0  # with dry_run: how many would be archived
    batches: int = 0
    sample: list[str] = field(default_factory=list)  # keys of the first few issues

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "cutoff": self.cutoff.isoformat(),
            "archived": self.archived,
            "batches": self.batches,
            "sample": self.sample,
        }


def exempt_label_ids() -> list[int]:
    """Ids of the labels that exempt an issue, matching each project's list case-insensitively."""
    ids: list[int] = []
    for project_id, names in Project.objects.values_list("id", "archive_exempt_labels"):
        wanted = {str(name).lower() for name in names or ()}
        if wanted:
            ids.extend(
                Label.objects.annotate(lower_name=Lower("name"))
                .filter(project_id=project_id, lower_name__in=wanted)
                .values_list("id", flat=True)
            )
    return ids


def archivable_issues(*, cutoff: datetime, exempt_labels: list[int]) -> QuerySet[Issue]:
    """Issues the job would archive now (the staleness condition and the exemptions)."""
    carries_exempt_label = Exists(
        Issue.labels.through.objects.filter(issue_id=OuterRef("pk"), label_id__in=exempt_labels)
    )
    return (
        Issue.objects.filter(archived_at__isnull=True, last_activity_at__lt=cutoff)
        .exclude(Q(priority=IssuePriority.CRITICAL) & ~Q(status__in=FINISHED_STATUSES))
        .exclude(carries_exempt_label)
    )


def issues_archive_stale(
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    after_days: int | None = None,
    batch_size: int | None = None,
) -> ArchiveReport:
    now = now or timezone.now()
    after_days = settings.ARCHIVE_AFTER_DAYS if after_days is None else after_days
    batch_size = batch_size or settings.ARCHIVE_BATCH_SIZE
    cutoff = now - timedelta(days=after_days)
    exempt = exempt_label_ids()
    candidates = archivable_issues(cutoff=cutoff, exempt_labels=exempt)
    report = ArchiveReport(dry_run=dry_run, cutoff=cutoff)

    if dry_run:
        report.archived = candidates.count()
        report.sample = _keys(candidates.order_by("pk")[:SAMPLE_SIZE])
        return report

    archive_batch = _archive_batch_sql if connection.vendor == "postgresql" else _archive_batch_orm
    after_pk = 0
    while True:
        with transaction.atomic():
            batch = candidates.filter(pk__gt=after_pk).order_by("pk").values("pk")[:batch_size]
            locked, last_pk, archived = archive_batch(
                batch.select_for_update(skip_locked=True, of=("self",)), now=now, cutoff=cutoff
            )
        if not locked:
            break
        if len(report.sample) < SAMPLE_SIZE and archived:
            report.sample.extend(_archived_keys(after_pk, last_pk, now, SAMPLE_SIZE - len(report.sample)))
        report.archived += archived
        report.batches += 1
        after_pk = last_pk
    logger.info("archived %s stale issues in %s batches (cutoff %s)", report.archived, report.batches, cutoff)
    return report


def _archive_batch_sql(batch: QuerySet, *, now: datetime, cutoff: datetime) -> tuple[int, int | None, int]:
    """One statement: lock the batch, archive what is still stale, log it; (locked, last pk, archived)."""
    select_sql, select_params = batch.query.sql_with_params()
    issue_table = connection.ops.quote_name(Issue._meta.db_table)
    activity_table = connection.ops.quote_name(Activity._meta.db_table)
    sql = f"""
        WITH batch (id) AS ({select_sql}),
        archived AS (
            UPDATE {issue_table} AS issue SET archived_at = %s, updated_at = %s
            FROM batch
            WHERE issue.id = batch.id
              AND issue.archived_at IS NULL
              AND issue.last_activity_at < %s
            RETURNING issue.id
        ),
        logged AS (
            INSERT INTO {activity_table}
                (issue_id, task_id, actor_type, actor_id, actor_name, field, old_value, new_value, created_at)
            SELECT archived.id, NULL, %s, NULL, %s, %s, NULL, %s::jsonb, %s FROM archived
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM batch), (SELECT max(id) FROM batch), (SELECT count(*) FROM logged)
    """
    params = (
        *select_params,
        now,
        now,
        cutoff,
        AUTOMATION.type,
        AUTOMATION.name,
        ARCHIVE_FIELD,
        json.dumps(now.isoformat()),
        now,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _archive_batch_orm(batch: QuerySet, *, now: datetime, cutoff: datetime) -> tuple[int, int | None, int]:
    """The same batch for databases without data-modifying CTEs (SQLite in embedded mode)."""
    ids = [row["pk"] for row in batch]
    if not ids:
        return 0, None, 0
    still_stale = Issue.objects.filter(pk__in=ids, archived_at__isnull=True, last_activity_at__lt=cutoff)
    still_stale.update(archived_at=now, updated_at=now)
    archived_ids = list(Issue.objects.filter(pk__in=ids, archived_at=now).values_list("pk", flat=True))
    Activity.objects.bulk_create(
        Activity(
            issue_id=pk,
            actor_type=AUTOMATION.type,
            actor_name=AUTOMATION.name,
            field=ARCHIVE_FIELD,
            old_value=None,
            new_value=now.isoformat(),
            created_at=now,
        )
        for pk in archived_ids
    )
    return len(ids), max(ids), len(archived_ids)


def _archived_keys(after_pk: int, last_pk: int, now: datetime, limit: int) -> list[str]:
    archived = Issue.objects.filter(pk__gt=after_pk, pk__lte=last_pk, archived_at=now).order_by("pk")
    return _keys(archived[:limit])


def _keys(issues: QuerySet[Issue]) -> list[str]:
    return [f"{key}-{number}" for key, number in issues.values_list("project__key", "number")]
