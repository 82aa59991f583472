"""A small, realistic desk for the screenshots: triaged and untriaged issues, a triage run that
left work for a person (and the inbox's other reasons: a failed triage, a low confidence), a
plan's tasks, feedback with proposed adjustments; and a month of activity for the dashboard."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from config.jobs.state import JobState
from feedback.choices import AdjustmentType
from issues.actors import LLM, Actor
from issues.choices import IssuePriority, IssueStatus, IssueType, SuggestionKind, SuggestionState
from issues.models import Activity, Issue, PlanRun, Project, TriageEngine, TriageRun, TriageSuggestion
from issues.services.activity import activity_record
from llm.models import LLMCall
from tests.factories import UserFactory
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory, TaskFactory, TriageSuggestionFactory
from tests.reviews.factories import ReviewCommentFactory, ReviewFactory

# (title, body, type, priority, labels, triage state)
ISSUES = [
    (
        "Export to CSV times out for projects with more than 50k rows",
        "Exporting the Operations project (62,000 issues) fails after about 30 seconds with a gateway "
        "timeout. Smaller projects export fine.",
        IssueType.BUG,
        IssuePriority.HIGH,
        ["export"],
        JobState.DONE,
    ),
    (
        "Add a dark theme to the board view",
        "Several of us work late shifts; the white board is hard on the eyes. A dark theme that follows "
        "the system setting would be enough.",
        IssueType.FEATURE,
        IssuePriority.LOW,
        ["ui"],
        JobState.DONE,
    ),
    (
        "Login page loops back to itself after SSO on Safari 17",
        "After signing in with Okta, Safari returns to the login page again and again. Chrome and Firefox "
        "work. Started after Monday's release.",
        IssueType.BUG,
        IssuePriority.CRITICAL,
        ["auth"],
        JobState.DONE,
    ),
    (
        "CSV export drops the last row when the file ends without a newline",
        "Re-importing an exported file loses one issue each time: the last line has no newline.",
        IssueType.BUG,
        IssuePriority.MEDIUM,
        ["export"],
        JobState.DONE,
    ),
    (
        "How do I move an issue between projects?",
        "We split our project in two and need to move about forty issues. Is there a way to keep their history?",
        IssueType.QUESTION,
        IssuePriority.LOW,
        [],
        JobState.DONE,
    ),
    (
        "Document the webhook retry policy",
        "Our receiver was down for an hour. Which deliveries are retried, how often, and for how long?",
        IssueType.DOCS,
        IssuePriority.MEDIUM,
        ["docs"],
        JobState.DONE,
    ),
    (
        "Notifications arrive twice for mentions in comments",
        "Each @mention sends two identical emails, a few seconds apart.",
        IssueType.BUG,
        IssuePriority.HIGH,
        [],
        JobState.FAILED,
    ),
    (
        "Board filters reset when switching tabs",
        "Filter the board by assignee, open the backlog tab, come back: the filter is gone.",
        IssueType.BUG,
        IssuePriority.MEDIUM,
        ["ui"],
        JobState.PENDING,
    ),
]


@dataclass
class DemoDesk:
    project: Project
    issue: Issue


def demo_desk() -> DemoDesk:
    project = ProjectFactory(key="WEB", name="Web app", description="The customer-facing web application.")
    labels = {name: LabelFactory(project=project, name=name) for name in ("export", "ui", "auth", "docs", "perf")}
    now = timezone.now()
    issues = [
        IssueFactory(
            project=project,
            title=title,
            body=body,
            type=type_,
            priority=priority,
            labels=[labels[name] for name in label_names],
            triage_state=state,
            triage_confidence=0.86 if state == JobState.DONE else None,
            triaged_at=now if state == JobState.DONE else None,
            triage_error="LLM provider timed out after 5 attempts" if state == JobState.FAILED else "",
            reporter="dana@example.com",
        )
        for title, body, type_, priority, label_names, state in ISSUES
    ]
    for age, issue in enumerate(reversed(issues)):  # reported over the last days, WEB-1 first
        Issue.objects.filter(pk=issue.pk).update(created_at=now - timedelta(days=age, hours=age % 3 + 1))
    export_timeout, dark_theme, login_loop, dropped_row, move_question, webhook_docs = issues[:6]
    Issue.objects.filter(pk=export_timeout.pk).update(
        status=IssueStatus.IN_PROGRESS,
        plan_state=JobState.DONE,
        summary="Exports of large projects run past the 30 s request limit; they should run in the background.",
    )
    # A triage less sure than TRIAGE_LOW_CONFIDENCE that nobody has looked at since.
    Issue.objects.filter(pk=move_question.pk).update(
        triage_confidence=0.38, last_activity_at=now - timedelta(minutes=5)
    )
    run = TriageRun.objects.create(
        issue=export_timeout,
        engine=TriageEngine.LLM,
        llm_call=LLMCall.objects.create(
            purpose="issues.triage", model="gpt-4o-mini", outcome="ok", request_hash="d" * 64, cost_usd="0.000410"
        ),
        result={"type": "bug", "priority": "high", "labels": ["export", "perf"], "confidence": 0.86},
        applied={"labels_added": ["export"], "priority": {"from": "medium", "to": "high"}},
    )
    for kind, value, why in (
        (SuggestionKind.LABEL, {"label": "background-jobs"}, "Not a label of this project."),
        (
            SuggestionKind.DUPLICATE,
            {"number": dropped_row.number, "issue_id": dropped_row.pk, "reason": "both lose CSV exports"},
            "Similar enough to ask a person.",
        ),
        (
            SuggestionKind.QUESTION,
            {"question": "How many rows does the export hold when it times out, and which browser do you use?"},
            "The report leaves out what would reproduce it.",
        ),
    ):
        TriageSuggestion.objects.create(issue=export_timeout, run=run, kind=kind, value=value, why=why)
    for issue, kind, value, why in (
        (dark_theme, SuggestionKind.PRIORITY, {"priority": "medium"}, "A person set the priority."),
        (login_loop, SuggestionKind.LABEL, {"label": "sso"}, "Not a label of this project."),
        (webhook_docs, SuggestionKind.TYPE, {"type": "question"}, "A person set the type."),
    ):
        TriageSuggestionFactory(issue=issue, kind=kind, value=value, why=why)
    tasks = [
        TaskFactory(project=project, issue=export_timeout, title=title, priority=priority)
        for title, priority in (
            ("Move the CSV export into a background job", 2),
            ("Email a download link when the export is ready", 3),
            ("Add a progress indicator to the export dialog", 4),
        )
    ]
    plan = PlanRun.objects.create(
        issue=export_timeout,
        risks=["Large exports compete with triage for the worker's time."],
    )
    plan.tasks.set(tasks)
    feedback = FeedbackFactory(
        project=project,
        text="Our finance team exports every Monday and it fails every time. This blocks our month-end close.",
        summary="Weekly exports of a large project fail; it blocks a customer's month-end close.",
    )
    AdjustmentFactory(
        feedback=feedback,
        task=tasks[0],
        proposed_value=1,
        description="Raise the background export to the top priority.",
        reasoning="A paying customer is blocked every week by the export timeout.",
    )
    AdjustmentFactory(
        feedback=feedback,
        task=tasks[2],
        type=AdjustmentType.TASK_STATUS,
        original_value="todo",
        proposed_value="cancelled",
        description="Drop the progress indicator until exports run in the background.",
        reasoning="With a download link by email, the dialog no longer waits for the export.",
    )
    return DemoDesk(project=project, issue=export_timeout)


def demo_month(*, days: int = 30) -> None:
    """A month of the desk's activity for the dashboard, in a project of its own: issues opened,
    triaged and archived, triage's decisions and what people made of them, LLM calls, reviews
    posted and their findings judged, and jobs waiting, running or failed now. Varied by day,
    the same on every run."""
    project = ProjectFactory(
        key="API", name="Public API", description="REST API and webhooks.", github_repo="acme/public-api"
    )
    person = Actor.of_user(UserFactory(username="sam", first_name="Sam"))
    now = timezone.now()
    for day in range(days):
        moment = now - timedelta(days=day, hours=day % 5)
        weekday_load = 1 if (now - timedelta(days=day)).weekday() >= 5 else 3
        opened = [IssueFactory(project=project) for _ in range(weekday_load + day % 3)]
        Issue.objects.filter(pk__in=[issue.pk for issue in opened]).update(
            created_at=moment,
            triage_state=JobState.DONE,
            triaged_at=moment + timedelta(minutes=2),
            triage_confidence=0.9,
            last_activity_at=moment + timedelta(minutes=2),
            archived_at=moment if day % 4 == 0 else None,
        )
        for number, issue in enumerate(opened):
            _log(LLM, "priority", "medium", "high", issue, moment)
            if number == 0 and day % 3 == 0:
                _log(person, "priority", "high", "medium", issue, moment + timedelta(hours=3))
            _log(LLM, "labels", [], ["bug"], issue, moment)
            kind = (SuggestionKind.LABEL, SuggestionKind.TYPE, SuggestionKind.DUPLICATE)[(day + number) % 3]
            state = SuggestionState.DISMISSED if (day + number) % 4 == 0 else SuggestionState.ACCEPTED
            TriageSuggestionFactory(issue=issue, kind=kind, value={kind: "x"}, state=state, decided_at=moment)
        calls = LLMCall.objects.bulk_create(
            LLMCall(
                purpose="issues.triage",
                model="gpt-4o-mini",
                outcome="cache_hit" if number % 4 == 0 else "ok",
                request_hash=f"{day:032x}{number:032x}",
                cost_usd=Decimal(0) if number % 4 == 0 else Decimal("0.0009") * (1 + (day + number) % 3),
            )
            for number in range(6 + (day * 7) % 9)
        )
        LLMCall.objects.filter(pk__in=[call.pk for call in calls]).update(created_at=moment)
        for number in range(1 + day % 3):
            review = ReviewFactory(pull_request__project=project, posted_at=moment)
            for verdict in ("helpful", "helpful", "dismissed")[: 1 + (day + number) % 3]:
                ReviewCommentFactory(review=review, outcome=verdict, outcome_at=moment + timedelta(hours=1))
    waiting = [IssueFactory(project=project) for _ in range(6)]
    for age, (issue, state) in enumerate(zip(waiting, ("pending", "running", "failed") * 2, strict=True)):
        Issue.objects.filter(pk=issue.pk).update(triage_state=state, created_at=now - timedelta(days=age))
    Issue.objects.filter(pk=waiting[0].pk).update(plan_state="running")


def _log(actor, field, old, new, issue, moment) -> None:
    entry = activity_record(actor=actor, field=field, old=old, new=new, issue=issue)
    Activity.objects.filter(pk=entry.pk).update(created_at=moment)
