"""Background-job state kept on database rows (the states are a contract with API clients).

The database is the source of truth for every job: a Celery task carries only the row's id,
claims the job with a conditional UPDATE (so a duplicate message is a no-op) as a lease its
worker renews while it runs (so a redelivered message of a dead worker's job takes it over),
and records the outcome on the row. Rows left `pending` or `running` too long are found by
`JobKind.stuck()` and re-sent by the sweeper: a lost broker message loses no work.

A model holds a job in five fields named `<prefix>state`, `<prefix>error`, `<prefix>attempts`,
`<prefix>state_changed_at` and a finish timestamp (`finished_field`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from config.jobs import dispatch


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
    label: str = ""  # what people call it (the dashboard); derived from model and prefix when empty

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        words = f"{self.model._meta.verbose_name} {self.prefix.replace('_', ' ')}".strip()
        return words[:1].upper() + words[1:]

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
        transaction.on_commit(lambda: dispatch.submit(self.task_name, pk))

    def pending(self, ids) -> models.QuerySet:
        """The ids among `ids` whose job is pending."""
        pending = {"pk__in": ids, self._field("state"): JobState.PENDING}
        return self.model._default_manager.filter(**pending).values_list("pk", flat=True)

    def claim(self, pk) -> bool:
        """pending → running, counting the start. A `running` row whose lease expired (its
        worker stopped renewing it: killed, or cut off) is taken over. False: nothing to claim.

        The claim is a lease: while the job runs, its worker renews `state_changed_at` every
        JOB_LEASE_S / 4 seconds (config.jobs.taskbase.held_lease)."""
        now = timezone.now()
        claimable = Q(**{self._field("state"): JobState.PENDING}) | Q(
            **{self._field("state"): JobState.RUNNING, f"{self._field('state_changed_at')}__lt": lease_expiry(now)}
        )
        return (
            self._rows(pk)
            .filter(claimable, **{f"{self._field('attempts')}__lt": settings.JOB_MAX_ATTEMPTS})
            .update(
                **{
                    self._field("state"): JobState.RUNNING,
                    self._field("attempts"): F(self._field("attempts")) + 1,
                    self._field("state_changed_at"): now,
                }
            )
            == 1
        )

    def renew(self, pk) -> bool:
        """Extend the lease of a running job; False when it is no longer running."""
        running = {self._field("state"): JobState.RUNNING}
        return self._rows(pk).filter(**running).update(**{self._field("state_changed_at"): timezone.now()}) == 1

    def refusal(self, pk) -> tuple[str, float]:
        """Why a claim was refused: ("busy", seconds until the running lease expires),
        ("exhausted", 0) for a job started JOB_MAX_ATTEMPTS times without finishing, or
        ("settled", 0) for a job finished, gone, or not requested."""
        row = (
            self._rows(pk)
            .values_list(self._field("state"), self._field("state_changed_at"), self._field("attempts"))
            .first()
        )
        if row is None:
            return "settled", 0.0
        state, changed_at, attempts = row
        if state not in UNFINISHED_STATES:
            return "settled", 0.0
        if attempts >= settings.JOB_MAX_ATTEMPTS:
            return "exhausted", 0.0
        if state == JobState.RUNNING and changed_at is not None:
            return "busy", max((changed_at - lease_expiry(timezone.now())).total_seconds(), 0.0)
        return "settled", 0.0

    def release(self, pk, *, counted: bool = True) -> None:
        """running → pending, for a run that will be retried. A run that only waited for
        capacity (a shared rate limit) is not counted as an attempt (`counted=False`)."""
        values = {self._field("state"): JobState.PENDING, self._field("state_changed_at"): timezone.now()}
        if not counted:
            values[self._field("attempts")] = Greatest(F(self._field("attempts")) - 1, 0)
        self._rows(pk).filter(**{self._field("state"): JobState.RUNNING}).update(**values)

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
        """Rows nobody is working on: pending with no state change for `older_than` (their
        message may be lost), running with an expired lease (their worker died), and unfinished
        rows with no state change recorded (written outside the services)."""
        state, changed_at = self._field("state"), self._field("state_changed_at")
        now = timezone.now()
        return self.model._default_manager.filter(
            Q(**{state: JobState.PENDING, f"{changed_at}__lt": now - older_than})
            | Q(**{state: JobState.RUNNING, f"{changed_at}__lt": lease_expiry(now)})
            | Q(**{f"{state}__in": UNFINISHED_STATES, f"{changed_at}__isnull": True})
        )


def give_up_message(attempts: int) -> str:
    return (
        f"Gave up after {attempts} attempts: the job kept stopping without finishing "
        "(its worker was killed or timed out). Re-run it once the cause is fixed."
    )


def lease_expiry(now):
    """A running job whose lease was last renewed before this instant lost its worker."""
    return now - timedelta(seconds=settings.JOB_LEASE_S)


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
