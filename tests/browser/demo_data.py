"""A small, realistic desk for the screenshots: two projects, triaged and untriaged issues, a
triage run that left work for a person, a plan's tasks and feedback with proposed adjustments."""

from dataclasses import dataclass

from config.jobs.state import JobState
from feedback.choices import AdjustmentType
from issues.choices import IssuePriority, IssueStatus, IssueType
from issues.models import Issue, Project, TriageEngine, TriageRun
from tests.feedback.factories import AdjustmentFactory, FeedbackFactory
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory, TaskFactory

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
    ProjectFactory(key="API", name="Public API", description="REST API and webhooks.")
    labels = {name: LabelFactory(project=project, name=name) for name in ("export", "ui", "auth", "docs", "perf")}
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
            reporter="dana@example.com",
        )
        for title, body, type_, priority, label_names, state in ISSUES
    ]
    export_timeout, _, _, dropped_row = issues[:4]
    Issue.objects.filter(pk=export_timeout.pk).update(
        status=IssueStatus.IN_PROGRESS,
        summary="Exports of large projects run past the 30 s request limit; they should run in the background.",
    )
    TriageRun.objects.create(
        issue=export_timeout,
        engine=TriageEngine.LLM,
        result={"type": "bug", "priority": "high", "labels": ["export", "perf"], "confidence": 0.86},
        applied={"labels_added": ["export"], "priority": {"from": "medium", "to": "high"}},
        suggestions={
            "unknown_labels": ["background-jobs"],
            "rejected_duplicates": [{"number": dropped_row.number, "reason": "a different export bug"}],
        },
    )
    tasks = [
        TaskFactory(project=project, issue=export_timeout, title=title, priority=priority)
        for title, priority in (
            ("Move the CSV export into a background job", 2),
            ("Email a download link when the export is ready", 3),
            ("Add a progress indicator to the export dialog", 4),
        )
    ]
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
