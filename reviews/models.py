from django.conf import settings
from django.db import models

from config.jobs.state import JobState
from reviews.choices import (
    Category,
    FindingOutcome,
    PullRequestState,
    ReviewMode,
    ReviewTrigger,
    Severity,
    Side,
    TriageWriteback,
)


class JobFields(models.Model):
    """The job columns read by config.jobs.state.JobKind with an empty prefix (`state`, `error`, ...)."""

    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        # A plain btree: `db_index=True` on a CharField adds a second, LIKE-only index on
        # PostgreSQL that nothing here queries and every insert would pay for.
        indexes = [models.Index(fields=["state"], name="%(app_label)s_%(class)s_state")]


class Delivery(JobFields):
    """One webhook delivery from GitHub, stored before anything else happens to it."""

    delivery_id = models.CharField(max_length=100, help_text="X-GitHub-Delivery; kept on redelivery.")
    event = models.CharField(max_length=100)
    action = models.CharField(max_length=100, blank=True)
    repository = models.CharField(max_length=140, blank=True)
    installation_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    result = models.CharField(max_length=500, blank=True, help_text="What processing did, or why it was skipped.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta(JobFields.Meta):
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "deliveries"
        # Every webhook acknowledgement inserts a row, so the table keeps only the indexes
        # something reads: the unique delivery id (a constraint, so no LIKE twin), state for
        # the sweeper and the admin filter, and received_at for ordering and pruning.
        constraints = [models.UniqueConstraint(fields=["delivery_id"], name="reviews_delivery_id_unique")]

    def __str__(self):
        suffix = f".{self.action}" if self.action else ""
        return f"{self.event}{suffix} {self.delivery_id}"


class ParkedComment(models.Model):
    """An `issue_comment` delivery for a GitHub issue we have not stored yet, kept until that
    issue's delivery arrives (then applied and removed). It lives as long as its delivery: the
    delivery prune (DELIVERY_RETENTION_DAYS) removes what no issue ever claimed."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="+")
    github_issue_id = models.BigIntegerField(db_index=True)
    comment_id = models.BigIntegerField(unique=True, help_text="One parked delivery per comment: the latest.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment_id"]

    def __str__(self):
        return f"comment {self.comment_id} waiting for GitHub issue {self.github_issue_id}"


class Installation(models.Model):
    """A GitHub App installation, as last reported by `installation` and
    `installation_repositories` deliveries (or learnt from GET /repos/{owner}/{repo}/installation).

    A suspended or deleted installation stops every GitHub call for the repositories it covers."""

    installation_id = models.BigIntegerField(unique=True)
    account = models.CharField(max_length=200, blank=True)
    target_type = models.CharField(max_length=50, blank=True)
    app_id = models.BigIntegerField(null=True, blank=True)
    repository_selection = models.CharField(
        max_length=20, blank=True, help_text="all: every repository of the account; selected: those listed."
    )
    last_action = models.CharField(max_length=50, blank=True, help_text="created, deleted, suspend, ...")
    installed_at = models.DateTimeField(null=True, blank=True, help_text="GitHub's created_at.")
    suspended_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["installation_id"]

    def __str__(self):
        return f"installation {self.installation_id} ({self.account})"

    @property
    def stopped(self) -> str:
        """Why no call may be made with this installation ("suspended", "deleted"), or ""."""
        if self.deleted_at:
            return "deleted"
        if self.suspended_at:
            return "suspended"
        return ""


class InstallationRepository(models.Model):
    """A repository an installation covers ("owner/name" as GitHub spells it)."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="repositories")
    full_name = models.CharField(max_length=140)
    github_id = models.BigIntegerField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "installation repositories"
        constraints = [
            models.UniqueConstraint(fields=["installation", "full_name"], name="installation_repository_unique")
        ]

    def __str__(self):
        return self.full_name


class RedeliveryRun(models.Model):
    """One run of `reviews.redeliver_failed`: what it read from GitHub and what it asked for."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False, help_text="Read every page down to the window's start.")
    window_start = models.DateTimeField(help_text="Attempts delivered before this were not considered.")
    newest_delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="Newest attempt seen; the next run reads back to about here."
    )
    listed = models.PositiveIntegerField(default=0, help_text="Delivery attempts listed in the window.")
    failed = models.PositiveIntegerField(default=0, help_text="GUIDs with no OK attempt.")
    held = models.PositiveIntegerField(default=0, help_text="Of those, already stored here.")
    already_requested = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0, help_text="Redeliveries asked of GitHub.")
    errors = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"redelivery run {self.started_at:%Y-%m-%d %H:%M}"


class Redelivery(models.Model):
    """A redelivery asked of GitHub: at most one per event GUID."""

    guid = models.CharField(max_length=100, unique=True, help_text="X-GitHub-Delivery of the event.")
    github_delivery_id = models.BigIntegerField(help_text="The failed attempt redelivered.")
    event = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=100, blank=True, help_text="The failed attempt's status.")
    run = models.ForeignKey(RedeliveryRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    error = models.TextField(blank=True, help_text="GitHub's refusal, if it refused; not asked again.")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name_plural = "redeliveries"

    def __str__(self):
        return f"redelivery of {self.event} {self.guid}"


class RepositorySettings(models.Model):
    """Settings of the repository linked to a project (Project.github_repo): its reviews, and
    what the triage of its issues writes back to GitHub."""

    project = models.OneToOneField("issues.Project", on_delete=models.CASCADE, related_name="review_settings")
    enabled = models.BooleanField(default=True, help_text="Review pull requests of this repository.")
    ignore_globs = models.JSONField(
        default=list, blank=True, help_text='Paths never reviewed, e.g. ["docs/**", "*.snap"].'
    )
    max_files = models.PositiveIntegerField(default=20, help_text="Review at most this many files per pull request.")
    # The write-back of issue triage to GitHub (issues/github_sync.py); the repository's
    # configuration file overrides these once it exists.
    triage_writeback = models.CharField(
        max_length=20,
        choices=TriageWriteback.choices,
        default=TriageWriteback.LABELS_AND_COMMENT,
        help_text="What triage writes on the repository's GitHub issues.",
    )
    create_missing_labels = models.BooleanField(
        default=True, help_text="Create a label triage applies in the repository when it has none of that name."
    )
    severity_threshold = models.CharField(
        max_length=20,
        choices=Severity.choices,
        blank=True,
        help_text="Findings below this severity go to the summary only, not inline (blank: every severity inline).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "repository settings"
        verbose_name_plural = "repository settings"

    def __str__(self):
        return f"review settings of {self.project.github_repo or self.project.key}"


class PullRequest(models.Model):
    repository = models.CharField(max_length=140, help_text='"owner/name"')
    number = models.PositiveIntegerField()
    project = models.ForeignKey(
        "issues.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="pull_requests"
    )
    github_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=200, blank=True)
    author_is_bot = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=PullRequestState.choices, default=PullRequestState.OPEN)
    draft = models.BooleanField(default=False)
    base_sha = models.CharField(max_length=64, blank=True)
    head_sha = models.CharField(max_length=64, blank=True)
    html_url = models.URLField(max_length=500, blank=True)
    body = models.TextField(blank=True, help_text="The description, shown to the LLM as data.")
    labels = models.JSONField(default=list, blank=True, help_text="Label names, as GitHub last reported them.")
    base_ref = models.CharField(max_length=255, blank=True, help_text="The branch the pull request merges into.")
    # The one summary of the pull request on GitHub, kept current (reviews/services/summary.py).
    summary_review_id = models.BigIntegerField(
        null=True, blank=True, help_text="The GitHub review whose body is the pull request's summary."
    )
    summary_body = models.TextField(blank=True, help_text="The summary as last written to GitHub.")
    reviewed_head_sha = models.CharField(
        max_length=64, blank=True, help_text="The last head reviewed: the next push is reviewed from here."
    )
    # GitHub's updated_at of the state stored here: an older delivery processed late changes nothing.
    github_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # `/pause` and `/resume` from a member (reviews/services/commands.py): no automatic review
    # while paused; an explicit `/review` or a staff re-run still reviews.
    reviews_paused = models.BooleanField(default=False, help_text="Automatic reviews paused with /pause.")
    # The job reading people's reactions on our inline comments (reviews/services/outcomes.py):
    # reviews.refresh_outcomes, when the pull request is closed or staff ask.
    outcomes_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.SKIPPED)
    outcomes_error = models.TextField(blank=True)
    outcomes_attempts = models.PositiveIntegerField(default=0)
    outcomes_state_changed_at = models.DateTimeField(null=True, blank=True)
    outcomes_read_at = models.DateTimeField(null=True, blank=True, help_text="Reactions last read.")

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["repository", "number"], name="pull_request_unique_number")]
        indexes = [models.Index(fields=["outcomes_state"], name="pull_request_outcomes_state")]

    def __str__(self):
        return f"{self.repository}#{self.number}"


class Review(JobFields):
    """The review of one head commit of a pull request: at most one is ever posted per head SHA."""

    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="reviews")
    head_sha = models.CharField(max_length=64)
    trigger = models.CharField(max_length=30, choices=ReviewTrigger.choices, default=ReviewTrigger.OPENED)
    mode = models.CharField(max_length=20, choices=ReviewMode.choices, default=ReviewMode.FULL)
    mode_note = models.CharField(max_length=300, blank=True, help_text="Why this mode (e.g. a force-push).")
    full_requested = models.BooleanField(default=False, help_text="Asked for a full review (`/review full`).")
    compared_to_sha = models.CharField(
        max_length=64, blank=True, help_text="Incremental: the earlier head the changes were taken from."
    )
    run = models.PositiveIntegerField(
        default=1, help_text="Counts full re-reviews of this head after an incremental one (in the marker)."
    )
    # The check run of this head also counts these (reviews/services/checks.py).
    open_earlier_ids = models.JSONField(
        default=list, blank=True, help_text="Findings of earlier heads whose commented line is still in this diff."
    )
    requested_by = models.CharField(max_length=200, blank=True, help_text="Who asked with /review, if anyone.")
    summary = models.TextField(blank=True, help_text="The review body posted to GitHub.")
    files_reviewed = models.PositiveIntegerField(default=0)
    files_skipped = models.PositiveIntegerField(default=0)
    skipped_files = models.JSONField(default=list, blank=True, help_text='[{"path", "reason"}]')
    file_summaries = models.JSONField(default=list, blank=True, help_text='[{"path", "summary"}]')
    config_error = models.TextField(
        blank=True, help_text="What was wrong with the repository's .triage-desk.yml (then ignored), if anything."
    )
    inline_comments = models.PositiveIntegerField(default=0)
    summary_comments = models.PositiveIntegerField(default=0)
    # Set once the findings are saved: a retry of the posting step does not analyse again.
    analysed_at = models.DateTimeField(null=True, blank=True)
    summary_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When this review last edited the pull request's summary on GitHub."
    )
    github_review_id = models.BigIntegerField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The check run "Triage Desk review" of this head (GitHub App only; reviews/services/checks.py),
    # kept in step with the review by its own job (reviews.sync_check_run), so a check-run
    # failure never touches the review.
    check_run_id = models.BigIntegerField(null=True, blank=True)
    check_shown = models.CharField(
        max_length=30, blank=True, help_text="What the check run shows: in_progress, or its conclusion."
    )
    check_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.SKIPPED)
    check_error = models.TextField(blank=True)
    check_attempts = models.PositiveIntegerField(default=0)
    check_state_changed_at = models.DateTimeField(null=True, blank=True)
    check_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta(JobFields.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            *JobFields.Meta.indexes,
            models.Index(fields=["check_state"], name="review_check_state"),
            # The dashboard's reviews posted per day (a range of the last 30 days).
            models.Index(fields=["posted_at"], name="review_posted_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pull_request", "head_sha"], name="review_unique_head_sha"),
        ]

    def __str__(self):
        return f"review of {self.pull_request} @ {self.head_sha[:7]}"


class ReviewComment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField(null=True, blank=True, help_text="New-file line number.")
    start_line = models.PositiveIntegerField(
        null=True, blank=True, help_text="First line of a multi-line suggestion (RIGHT side, same hunk)."
    )
    suggestion = models.TextField(
        blank=True, help_text="Replacement of lines start_line..line, posted as a suggestion block."
    )
    side = models.CharField(max_length=5, choices=Side.choices, default=Side.RIGHT)
    body = models.TextField()
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MINOR)
    category = models.CharField(max_length=30, choices=Category.choices, default=Category.MAINTAINABILITY)
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="Same finding on the same code.")
    anchor = models.TextField(
        blank=True, help_text="The commented line's text when found: a later head without it has addressed it."
    )
    inline = models.BooleanField(default=True, help_text="Posted on the diff line; otherwise in the summary.")
    posted = models.BooleanField(default=False, help_text="Sent to GitHub (inline, or listed in the summary).")
    github_id = models.BigIntegerField(null=True, blank=True)
    # What people on GitHub (a reaction, a thread resolved without a change) or staff made of the
    # finding: a dismissed fingerprint is never posted again on the pull request.
    outcome = models.CharField(max_length=20, choices=FindingOutcome.choices, default=FindingOutcome.NONE, blank=True)
    outcome_source = models.CharField(max_length=20, blank=True, help_text="reaction, thread or staff.")
    outcome_at = models.DateTimeField(null=True, blank=True)
    helpful = models.BooleanField(null=True, blank=True, help_text="Staff feedback: helpful or not.")
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_id", "path", "line", "id"]
        # The dashboard's findings judged per day: only the few with an outcome are indexed.
        indexes = [
            models.Index(fields=["outcome_at"], name="reviewcomment_outcome_at_idx", condition=~models.Q(outcome=""))
        ]

    def __str__(self):
        return f"{self.path}:{self.line or '-'} {self.severity}"


class PullCommand(models.Model):
    """A command (`/review`, `/pause`, ...) a member wrote in a pull request comment, and our reply:
    one per GitHub comment, so a comment processed again (a redelivery, a re-run) is answered once."""

    comment_id = models.BigIntegerField(unique=True, help_text="GitHub's id of the comment.")
    repository = models.CharField(max_length=140)
    number = models.PositiveIntegerField()
    command = models.CharField(max_length=50, help_text="As written, e.g. /review full.")
    author = models.CharField(max_length=200, blank=True)
    result = models.TextField(blank=True, help_text="What was done: the text of the reply.")
    reply_id = models.BigIntegerField(null=True, blank=True, help_text="GitHub's id of our reply comment.")
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.command} on {self.repository}#{self.number}"


class SnippetReview(JobFields):
    """Code submitted through the API for a one-off review."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="snippet_reviews")
    code = models.TextField()
    filename = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=50, blank=True)
    summary = models.TextField(blank=True)
    findings = models.JSONField(default=list, blank=True, help_text='[{"line", "severity", "message"}]')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(JobFields.Meta):
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"snippet {self.pk} ({self.filename or self.language or 'code'})"
