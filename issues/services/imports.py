"""CSV import of issues (POST /api/issues/import/).

The file is read as a stream of rows (never whole into memory as text) and validated row by
row; a row with bad values is reported with its number and skipped, the others are created
together in one transaction. A file that cannot be read as a whole — not UTF-8, broken quoting,
no `title` column, more rows than allowed — is refused and nothing is created.

Re-importing creates nothing twice: each row is keyed by its `external_id` column or, without
one, by a hash of its content, under the source `csv:<project key>`.
"""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from config.api.errors import ApplicationError
from config.jobs.dispatch import send_jobs_on_commit
from issues.actors import Actor
from issues.choices import FINISHED_STATUSES, IssuePriority, IssueStatus, IssueType
from issues.jobs import TRIAGE
from issues.models import Activity, Issue, Label, Project
from issues.services.activity import activity_build
from issues.services.bulk import rows_insert
from issues.services.issues import creator_owned, issue_numbers_reserve

COLUMNS = ("title", "body", "status", "priority", "type", "assignee", "labels", "external_id")
COLUMN_ALIASES = {"description": "body"}
LABEL_SPLIT = re.compile(r"[,;|]")
TITLE_MAX = Issue._meta.get_field("title").max_length
BODY_MAX = 65_536
EXTERNAL_ID_MAX = Issue._meta.get_field("external_id").max_length


class ImportFileError(ApplicationError):
    type = "invalid_csv"


@dataclass
class ImportRow:
    number: int
    title: str
    body: str
    status: str
    priority: str
    type: str
    assignee: str
    labels: list[str]
    external_id: str


@dataclass
class ImportReport:
    created: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "errors": self.errors,
            "ignored_columns": self.ignored_columns,
        }


def import_source(project: Project) -> str:
    return f"csv:{project.key}"


def issues_import_csv(
    *, project: Project, stream, actor: Actor, create_missing_labels: bool = False, max_rows: int | None = None
) -> ImportReport:
    """Import issues from a binary CSV stream into `project` (see the module docstring)."""
    max_rows = max_rows or settings.ISSUE_IMPORT_MAX_ROWS
    report = ImportReport()
    rows = _parse(stream, report, max_rows)
    rows = _resolve_and_validate(project, rows, report, create_missing_labels)
    _create(project, rows, report, actor, create_missing_labels)
    return report


def _parse(stream, report: ImportReport, max_rows: int) -> list[ImportRow]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    rows: list[ImportRow] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty; the first row must name the columns.")
        columns = _columns(header, report)
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            report.rows += 1
            if report.rows > max_rows:
                raise ImportFileError(f"Too many rows: at most {max_rows} per file.", max_rows=max_rows)
            if len(values) > len(columns):
                report.errors.append(_error(number, "row", f"{len(values)} fields, the header has {len(columns)}."))
                continue
            record = {name: value.strip() for name, value in zip(columns, values, strict=False) if name}
            rows.append(_row(number, record))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"The file is not valid UTF-8 (byte {exc.start} of a chunk): save it as UTF-8.")
    except csv.Error as exc:
        raise ImportFileError(f"Malformed CSV near line {reader.line_num}: {exc}.", line=reader.line_num)
    finally:
        text.detach()
    return rows


def _columns(header: list[str], report: ImportReport) -> list[str | None]:
    columns: list[str | None] = []
    for raw in header:
        name = re.sub(r"\s+", "_", raw.strip().lower())
        name = COLUMN_ALIASES.get(name, name)
        if name not in COLUMNS:
            if raw.strip():
                report.ignored_columns.append(raw.strip())
            columns.append(None)
        elif name in columns:
            raise ImportFileError(f"Column {name!r} appears twice.")
        else:
            columns.append(name)
    if "title" not in columns:
        raise ImportFileError("The header has no `title` column.", columns=[c for c in header])
    return columns


def _row(number: int, record: dict) -> ImportRow:
    return ImportRow(
        number=number,
        title=re.sub(r"\s+", " ", record.get("title", "")),
        body=record.get("body", ""),
        status=_enum(record.get("status", "")),
        priority=_enum(record.get("priority", "")),
        type=_enum(record.get("type", "")),
        assignee=record.get("assignee", ""),
        labels=[name.strip() for name in LABEL_SPLIT.split(record.get("labels", "")) if name.strip()],
        external_id=record.get("external_id", ""),
    )


def _enum(value: str) -> str:
    return re.sub(r"[\s-]+", "_", value.strip().lower())


def _error(number: int, field_name: str, message: str) -> dict:
    return {"row": number, "errors": {field_name: [message]}}


def _resolve_and_validate(project, rows: list[ImportRow], report: ImportReport, create_missing: bool) -> list:
    users = _users_by_name(row.assignee for row in rows if row.assignee)
    labels = {
        label.lower_name: label for label in Label.objects.annotate(lower_name=Lower("name")).filter(project=project)
    }
    valid = []
    for row in rows:
        errors = _row_errors(row, users, labels, create_missing)
        if errors:
            report.errors.append({"row": row.number, "errors": errors})
        else:
            valid.append((row, users.get(row.assignee.lower()) if row.assignee else None))
    report.errors.sort(key=lambda error: error["row"])
    return valid


def _row_errors(row: ImportRow, users: dict, labels: dict, create_missing: bool) -> dict:
    errors: dict[str, list[str]] = {}
    if not row.title:
        errors["title"] = ["This field is required."]
    elif len(row.title) > TITLE_MAX:
        errors["title"] = [f"At most {TITLE_MAX} characters."]
    if len(row.body) > BODY_MAX:
        errors["body"] = [f"At most {BODY_MAX} characters."]
    for name, choices in (("status", IssueStatus), ("priority", IssuePriority), ("type", IssueType)):
        value = getattr(row, name)
        if value and value not in choices.values:
            errors[name] = [f"{value!r} is not one of {', '.join(choices.values)}."]
    if row.assignee and row.assignee.lower() not in users:
        errors["assignee"] = [f"No active user with username or email {row.assignee!r}."]
    unknown = [name for name in row.labels if name.lower() not in labels]
    if unknown and not create_missing:
        errors["labels"] = [f"Unknown labels: {', '.join(unknown)}."]
    if any(len(name) > 50 for name in row.labels):
        errors.setdefault("labels", []).append("Label names have at most 50 characters.")
    if len(row.external_id) > EXTERNAL_ID_MAX:
        errors["external_id"] = [f"At most {EXTERNAL_ID_MAX} characters."]
    return errors


def _users_by_name(names) -> dict:
    wanted = {name.lower() for name in names}
    if not wanted:
        return {}
    users = {}
    candidates = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(lower_username=Lower("username"), lower_email=Lower("email"))
        .filter(Q(lower_username__in=wanted) | Q(lower_email__in=wanted))
    )
    for user in candidates:
        for key in (user.lower_username, user.lower_email):
            if key in wanted:
                users.setdefault(key, user)
    return users


def _row_key(row: ImportRow) -> str:
    if row.external_id:
        return row.external_id
    content = json.dumps(
        [row.title, row.body, row.status, row.priority, row.type, row.assignee.lower(), sorted(row.labels)],
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _create(project: Project, valid: list, report: ImportReport, actor: Actor, create_missing: bool) -> None:
    source = import_source(project)
    keyed, first_row = [], {}
    for row, assignee in valid:
        key = _row_key(row)
        if key in first_row:
            report.skipped.append({"row": row.number, "reason": f"same issue as row {first_row[key]}"})
            continue
        first_row[key] = row.number
        keyed.append((key, row, assignee))
    if not keyed:
        return
    with transaction.atomic():
        # Lock the project first: imports into one project run one after the other, so the
        # "already imported" check below cannot race with another import of the same file.
        Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()
        existing = _existing(source, [key for key, _, _ in keyed])
        fresh = []
        for key, row, assignee in keyed:
            if key in existing:
                report.skipped.append({"row": row.number, "issue_id": existing[key], "reason": "already imported"})
            else:
                fresh.append((key, row, assignee))
        report.skipped.sort(key=lambda skip: skip["row"])
        if not fresh:
            return
        labels = _labels(project, {name for _, row, _ in fresh for name in row.labels}, create_missing)
        first_number = issue_numbers_reserve(project=project, count=len(fresh))
        now = timezone.now()
        issues = [
            Issue(
                project=project,
                number=first_number + index,
                title=row.title,
                body=row.body,
                status=row.status or IssueStatus.OPEN,
                priority=row.priority or IssuePriority.MEDIUM,
                type=row.type or IssueType.BUG,
                # A priority or type the file gives is the importing person's; an empty cell is triage's.
                **creator_owned({"priority": row.priority or None, "type": row.type or None}, actor),
                assignee=assignee,
                source=source,
                external_id=key,
                resolved_at=now if row.status in FINISHED_STATUSES else None,
                triage_state_changed_at=now,
            )
            for index, (key, row, assignee) in enumerate(fresh)
        ]
        rows_insert(Issue, issues)
        # COPY returns no ids; the numbers just reserved identify the new rows.
        ids = dict(
            Issue.objects.filter(
                project=project, number__gte=first_number, number__lt=first_number + len(issues)
            ).values_list("number", "pk")
        )
        for issue in issues:
            issue.pk = ids[issue.number]
            issue._state.adding = False
        through = Issue.labels.through
        rows_insert(
            through,
            [
                through(issue_id=issue.pk, label_id=labels[name.lower()].pk)
                for issue, (_, row, _) in zip(issues, fresh, strict=True)
                for name in dict.fromkeys(n.lower() for n in row.labels)
            ],
        )
        rows_insert(
            Activity,
            [
                activity_build(
                    actor=actor,
                    field="created",
                    old=None,
                    new={"key": f"{project.key}-{issue.number}", "title": issue.title, "import_row": row.number},
                    issue=issue,
                )
                for issue, (_, row, _) in zip(issues, fresh, strict=True)
            ],
        )
        # One fan-out message per 500 issues from the request; a worker sends the triage jobs.
        send_jobs_on_commit(TRIAGE.task_name, [issue.pk for issue in issues])
    report.created = [
        {"row": row.number, "id": issue.pk, "key": f"{project.key}-{issue.number}"}
        for issue, (_, row, _) in zip(issues, fresh, strict=True)
    ]


def _existing(source: str, keys: list[str]) -> dict[str, int]:
    found = {}
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        found.update(Issue.objects.filter(source=source, external_id__in=chunk).values_list("external_id", "pk"))
    return found


def _labels(project: Project, names: set[str], create_missing: bool) -> dict[str, Label]:
    if not names:
        return {}
    lower = {name.lower(): name for name in names}
    if create_missing:
        Label.objects.bulk_create([Label(project=project, name=name) for name in lower.values()], ignore_conflicts=True)
    rows = Label.objects.annotate(lower_name=Lower("name")).filter(project=project, lower_name__in=list(lower))
    return {label.lower_name: label for label in rows}
