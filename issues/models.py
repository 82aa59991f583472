from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower

from config.jobs.state import JobState
from issues.choices import ActorType, IssuePriority, IssueStatus, IssueType, TaskStatus
from issues.triage.patterns import compile_pattern


def default_archive_exempt_labels() -> list[str]:
    return ["pinned"]


class Project(models.Model):
    key = models.CharField(
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{0,9}$", "Upper-case letters and digits, starting with a letter.")],
        help_text="Short key used in issue keys, e.g. WEB in WEB-42.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    github_repo = models.CharField(
        max_length=140,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "Use owner/name.")],
        help_text='Linked GitHub repository, "owner/name".',
    )
    archive_exempt_labels = models.JSONField(
        default=default_archive_exempt_labels,
        blank=True,
        help_text="Issues carrying any of these labels are never archived automatically.",
    )
    triage_may_create_labels = models.BooleanField(
        default=False,
        help_text="Accepting a triage suggestion of a label the project lacks creates the label. Off: "
        "such a suggestion can be accepted only once someone created the label.",
    )
    # The last issue number handed out; incremented under a row lock so numbers are gap-free.
    issue_counter = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.key}: {self.name}"


class Label(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    colour = models.CharField(
        max_length=7, default="#888888", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use #RRGGBB.")]
    )
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="label_name_unique_per_project_ci"),
        ]

    def __str__(self):
        return self.name


class Issue(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    priority = models.CharField(max_length=20, choices=IssuePriority.choices, default=IssuePriority.MEDIUM)
    type = models.CharField(max_length=20, choices=IssueType.choices, default=IssueType.BUG)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_issues"
    )
    reporter = models.CharField(max_length=200, blank=True, help_text="Name or email of the outside author.")
    labels = models.ManyToManyField(Label, blank=True, related_name="issues")
    source = models.CharField(max_length=50, blank=True, help_text="System the issue came from, e.g. github.")
    external_id = models.CharField(max_length=200, blank=True, help_text="The issue's id in its source system.")
    version = models.PositiveIntegerField(default=1, editable=False)
    # Set when a person accepts a triage suggestion that this issue duplicates an older one.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates", editable=False
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Updates and comments move this; the archive job reads it.
    last_activity_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    # A person's explicit choice wins over triage: set when staff change priority, type or summary.
    priority_set_by_human = models.BooleanField(default=False)
    type_set_by_human = models.BooleanField(default=False)
    summary_set_by_human = models.BooleanField(default=False)

    # Sync with the linked GitHub issue (reviews/services/handlers.py, issues/services/github.py).
    # GitHub's updated_at of the last delivery applied: an older one processed late changes nothing.
    github_updated_at = models.DateTimeField(null=True, blank=True)
    # GitHub's labels as of that delivery (names; null: never seen): the next applies the difference.
    github_labels = models.JSONField(null=True, blank=True)
    # Labels a person removed on GitHub (names; null: none): triage never adds them back.
    github_labels_removed = models.JSONField(null=True, blank=True)

    # Filled by triage.
    summary = models.TextField(blank=True)
    triage_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING)
    triage_error = models.TextField(blank=True)
    triage_attempts = models.PositiveIntegerField(default=0)
    triage_confidence = models.FloatField(null=True, blank=True)
    triage_state_changed_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)

    # Filled by planning.
    plan_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.SKIPPED)
    plan_error = models.TextField(blank=True)
    plan_attempts = models.PositiveIntegerField(default=0)
    plan_state_changed_at = models.DateTimeField(null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)

    # The GitHub issue this one is linked to (set from deliveries), and the write-back of its
    # triage to GitHub (issues/github_sync.py): what was sent, so nothing is sent twice.
    github_repository = models.CharField(max_length=140, blank=True, help_text='"owner/name" on GitHub.')
    github_number = models.PositiveIntegerField(null=True, blank=True, help_text="The issue's number on GitHub.")
    github_sync_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.SKIPPED)
    github_sync_error = models.TextField(blank=True)
    github_sync_attempts = models.PositiveIntegerField(default=0)
    github_sync_state_changed_at = models.DateTimeField(null=True, blank=True)
    github_synced_at = models.DateTimeField(null=True, blank=True)
    github_comment_id = models.BigIntegerField(null=True, blank=True, help_text="Our triage comment on GitHub.")
    github_comment_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of its body as last sent.")
    github_labels_sent = models.JSONField(default=list, blank=True, help_text="Labels triage added on GitHub.")

    # Full-text search document (title weighted A over body B). On PostgreSQL a trigger keeps it
    # current on every INSERT/UPDATE (migration 0002), so bulk loads and COPY stay searchable;
    # on SQLite it stays NULL and search falls back to icontains.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        # One index per API filter, each leading into the default ordering so a filtered page
        # is an index range scan; the GIN index on search_vector is created by migration 0002
        # on PostgreSQL only.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="issue_created_idx"),
            # Lists hide archived issues by default: partial indexes keep those scans, and the
            # page's COUNT(*), on live rows only (index-only where the table is vacuumed).
            *(
                models.Index(
                    fields=[*lead, "-created_at", "-id"], name=name, condition=models.Q(archived_at__isnull=True)
                )
                for lead, name in (
                    ([], "issue_live_created_idx"),
                    (["project"], "issue_live_project_idx"),
                    (["status"], "issue_live_status_idx"),
                    (["priority"], "issue_live_priority_idx"),
                    (["type"], "issue_live_type_idx"),
                    (["assignee"], "issue_live_assignee_idx"),
                )
            ),
            models.Index(fields=["archived_at"], name="issue_archived_idx"),
            models.Index(fields=["-updated_at", "-id"], name="issue_updated_idx"),
            models.Index(fields=["last_activity_at"], name="issue_last_activity_idx"),
            models.Index(fields=["assignee", "resolved_at"], name="issue_assignee_resolved_idx"),
            models.Index(fields=["triage_state"], name="issue_triage_state_idx"),
            models.Index(fields=["plan_state"], name="issue_plan_state_idx"),
            models.Index(fields=["github_sync_state"], name="issue_github_sync_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="issue_number_unique_per_project"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="issue_external_id_unique_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"{self.project.key}-{self.number}"


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="issue_comments"
    )
    author_name = models.CharField(max_length=200, blank=True, help_text="Outside author, when not a user.")
    body = models.TextField()
    external_id = models.CharField(max_length=200, blank=True)
    # GitHub's updated_at of the comment as last applied: an older edit processed late changes nothing.
    github_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at", "id"], name="comment_issue_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "external_id"],
                condition=~models.Q(external_id=""),
                name="comment_external_id_unique_per_issue",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on issue {self.issue_id}"


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (highest) to 5 (lowest)."
    )
    estimated_hours = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "order", "id"]
        indexes = [
            models.Index(fields=["project", "order", "id"], name="task_project_order_idx"),
            models.Index(fields=["status", "project", "order"], name="task_status_idx"),
            models.Index(fields=["issue", "order"], name="task_issue_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(priority__gte=1, priority__lte=5), name="task_priority_1_to_5"),
        ]

    def __str__(self):
        return self.title


class Activity(models.Model):
    """Append-only history of changes to issues and tasks."""

    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    actor_type = models.CharField(max_length=20, choices=ActorType.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=50)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["issue", "-created_at", "-id"], name="activity_issue_idx"),
            models.Index(fields=["task", "-created_at", "-id"], name="activity_task_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issue__isnull=False) | models.Q(task__isnull=False),
                name="activity_has_subject",
            ),
        ]

    def __str__(self):
        return f"{self.actor_type} changed {self.field}"


class TriageEngine(models.TextChoices):
    LLM = "llm", "LLM"
    RULES = "rules", "Rules"


class TriageRule(models.Model):
    """A per-project keyword or regular-expression rule of the rules triager.

    Rules run when no LLM is configured; with an LLM they may only add labels. Among matching
    rules, the first (by order) that sets a type or priority decides it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="triage_rules")
    name = models.CharField(max_length=100)
    keywords = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated words or phrases, matched as whole words in title and body, any case.",
    )
    pattern = models.CharField(
        max_length=500, blank=True, help_text="A regular expression searched in title and body, any case."
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="+", help_text="Labels to add.")
    type = models.CharField(max_length=20, choices=IssueType.choices, blank=True, help_text="Type to set.")
    priority = models.CharField(max_length=20, choices=IssuePriority.choices, blank=True, help_text="Priority to set.")
    order = models.PositiveIntegerField(default=0, help_text="Lower runs first.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "order", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.keywords.strip() and not self.pattern.strip():
            raise ValidationError("Give keywords, a pattern, or both.")
        if self.pattern:
            try:
                compile_pattern(self.pattern)
            except ValueError as exc:
                raise ValidationError({"pattern": str(exc)})


class TriageRun(models.Model):
    """One triage of an issue: what the engine answered, what was applied and what was not."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="triage_runs")
    engine = models.CharField(max_length=10, choices=TriageEngine.choices)
    note = models.CharField(max_length=300, blank=True, help_text='E.g. "LLM not configured: rules triage".')
    llm_call = models.ForeignKey(
        "llm.LLMCall", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Ledger row."
    )
    cached = models.BooleanField(default=False, help_text="The LLM answer came from the response cache.")
    result = models.JSONField(default=dict, help_text="The engine's validated answer.")
    applied = models.JSONField(default=dict, help_text="What this run changed on the issue.")
    suggestions = models.JSONField(default=dict, help_text="What it proposed but did not apply, and why.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issue", "-created_at"], name="triagerun_issue_idx")]

    def __str__(self):
        return f"{self.engine} triage of issue {self.issue_id}"


class PlanRun(models.Model):
    """One planning of an issue: the tasks it created, the risks, and what it kept or replaced."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="plan_runs")
    llm_call = models.ForeignKey(
        "llm.LLMCall", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Ledger row."
    )
    cached = models.BooleanField(default=False)
    result = models.JSONField(default=dict, help_text="The LLM's validated answer (tasks and risks).")
    risks = models.JSONField(default=list)
    tasks = models.ManyToManyField(Task, blank=True, related_name="plan_runs", help_text="Tasks this run created.")
    kept_task_ids = models.JSONField(
        default=list, help_text="Tasks of the previous plan left alone because someone changed or started them."
    )
    replaced_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issue", "-created_at"], name="planrun_issue_idx")]

    def __str__(self):
        return f"plan of issue {self.issue_id}"


from issues.suggestions.models import TriageSuggestion  # noqa: E402, F401  (own module; found here)
