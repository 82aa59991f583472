"""Background-job state kept on database rows (contract: DESIGN.md, Enumerations).

The database is the source of truth for every job: a Celery task carries only the row's id,
claims the job with a conditional UPDATE (so a duplicate or redelivered message is a no-op),
and records the outcome on the row. Rows left `pending` or `running` too long are found by
`JobKind.stuck()` and re-sent by the sweeper: a lost broker message loses no work.

A model holds a job in five fields named `<prefix>state`, `<prefix>error`, `<prefix>attempts`,
`<prefix>state_changed_at` and a finish timestamp (`finished_field`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.jobs.dispatch import send_job


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


UNFINISHED_STATES = (JobState.PENDING, JobState.RUNNING)
ERROR_MAX_CHARS = 2000


@dataclass(frozen=True)
class JobKind:
    """One kind of job on a model, e.g. JobKind(Issue, "triage_", "triaged_at", "issues.triage")."""

    model: type[models.Model]
    prefix: str
    finished_field: str
    task_name: str

    def field(self, name: str) -> str:
        """The model field of one part of the job: field("state") -> "triage_state"."""
        return f"{self.prefix}{name}"

    _field = field

    def _rows(self, pk):
        return self.model._default_manager.filter(pk=pk)

    def request(self, pk, *, reset_attempts: bool = True) -> bool:
        """Mark the job pending (a new run or a re-run); False when it is already under way."""
        values = {
            self._field("state"): JobState.PENDING,
            self._field("error"): "",
            self._field("state_changed_at"): timezone.now(),
        }
        if reset_attempts:
            values[self._field("attempts")] = 0
        running = Q(**{self._field("state"): JobState.RUNNING})
        return self._rows(pk).exclude(running).update(**values) == 1

    def enqueue(self, pk, *, reset_attempts: bool = True) -> bool:
        """Request the job and send its task once the surrounding transaction commits."""
        if not self.request(pk, reset_attempts=reset_attempts):
            return False
        self.send_on_commit(pk)
        return True

    def send_on_commit(self, pk) -> None:
        """Send the task of a job already `pending` once the surrounding transaction commits (at
        once outside one). A broker outage is logged and left to the sweeper (config/jobs/dispatch.py)."""
        transaction.on_commit(lambda: send_job(self.task_name, pk))

    def pending(self, ids) -> models.QuerySet:
        """The ids among `ids` whose job is pending."""
        pending = {"pk__in": ids, self._field("state"): JobState.PENDING}
        return self.model._default_manager.filter(**pending).values_list("pk", flat=True)

    def claim(self, pk, *, stale_after: timedelta | None = None) -> bool:
        """pending → running, counting the attempt. A `running` row older than `stale_after`
        (its worker died) may be claimed again. False: nothing to do, the message is a duplicate."""
        now = timezone.now()
        claimable = Q(**{self._field("state"): JobState.PENDING})
        if stale_after is not None:
            claimable |= Q(
                **{self._field("state"): JobState.RUNNING, f"{self._field('state_changed_at')}__lt": now - stale_after}
            )
        return (
            self._rows(pk)
            .filter(claimable)
            .update(
                **{
                    self._field("state"): JobState.RUNNING,
                    self._field("attempts"): F(self._field("attempts")) + 1,
                    self._field("state_changed_at"): now,
                }
            )
            == 1
        )

    def release(self, pk) -> None:
        """running → pending, for a run that will be retried (transient failure, rate limit)."""
        self._rows(pk).filter(**{self._field("state"): JobState.RUNNING}).update(
            **{self._field("state"): JobState.PENDING, self._field("state_changed_at"): timezone.now()}
        )

    def complete(self, pk, *, state: str = JobState.DONE, **values) -> None:
        now = timezone.now()
        self._rows(pk).update(
            **{
                self._field("state"): state,
                self._field("error"): "",
                self._field("state_changed_at"): now,
                self.finished_field: now,
            },
            **values,
        )

    def fail(self, pk, error: str) -> None:
        now = timezone.now()
        self._rows(pk).update(
            **{
                self._field("state"): JobState.FAILED,
                self._field("error"): error[:ERROR_MAX_CHARS],
                self._field("state_changed_at"): now,
                self.finished_field: now,
            }
        )

    def stuck(self, *, older_than: timedelta) -> models.QuerySet:
        """Rows pending or running with no state change for `older_than` (or none recorded, for
        rows written outside the services): their message may be lost."""
        changed_at = self._field("state_changed_at")
        return self.model._default_manager.filter(
            Q(**{f"{changed_at}__lt": timezone.now() - older_than}) | Q(**{f"{changed_at}__isnull": True}),
            **{f"{self._field('state')}__in": UNFINISHED_STATES},
        )


# Every job kind, registered by its app (apps.ready); the sweeper walks this list.
JOB_KINDS: list[JobKind] = []


def register_job_kind(kind: JobKind) -> JobKind:
    if kind not in JOB_KINDS:
        JOB_KINDS.append(kind)
    return kind


def job_kind(task_name: str) -> JobKind:
    """The registered job kind whose task is `task_name`; ValueError when there is none."""
    for kind in JOB_KINDS:
        if kind.task_name == task_name:
            return kind
    raise ValueError(f"{task_name!r} is not the task of a registered job kind")
