"""Triage written back to GitHub, end to end: a real `issues.opened` delivery, a real worker,
the fake OpenAI server for triage and the fake GitHub (every request checked against GitHub's
API description)."""

import pytest

from config.jobs.state import JobState
from issues.actors import AUTOMATION
from issues.github_sync import is_triage_comment, triage_comment_marker
from issues.models import Issue
from issues.services import issue_archive
from reviews.choices import TriageWriteback
from reviews.models import RepositorySettings
from tests.issues.factories import IssueFactory, LabelFactory
from tests.reviews.conftest import REPOSITORY
from tests.reviews.github import deliver, payload, payload_bytes
from tests.worker import _wait_until_idle, wait_for

GITHUB_ID, NUMBER = "444500041", 1  # the issue of issues/opened.json
CREATE_LABEL = "POST /repos/{owner}/{repo}/labels"
ADD_LABELS = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels"
POST_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
EDIT_COMMENT = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"
READ_CONFIG = "GET /repos/{owner}/{repo}/contents/{path}"


def answer(**fields) -> dict:
    base = {
        "type": "bug",
        "priority": "medium",
        "labels": ["ui"],
        "summary": "The README has a spelling error.",
        "confidence": 0.9,
        "duplicates": [],
        "questions": [],
    }
    return {**base, **fields}


@pytest.fixture
def linked(project, settings, fake_github, fake_openai, celery_worker):
    """The linked project with a `ui` label; every triage asks the fake LLM (no answer cache)."""
    settings.LLM_CACHE_TTL_S = 0
    LabelFactory(project=project, name="ui", colour="#1D76DB", description="Screens and layout")
    return project


def open_issue(client) -> Issue:
    assert deliver(client, "issues", payload_bytes("issues/opened")).status_code == 202
    return wait_for(lambda: Issue.objects.filter(source="github", external_id=GITHUB_ID).first())


def synced(issue: Issue, state: str = JobState.DONE, runs: int = 1) -> Issue:
    wait_for(lambda: issue.triage_runs.count() >= runs, timeout=30)
    wait_for(lambda: Issue.objects.filter(pk=issue.pk, triage_state=JobState.DONE).exists())
    # The triage task requests the write-back (if any) before it ends: once the worker is idle
    # the job is settled or on its way, and then it settles.
    _wait_until_idle()
    unfinished = (JobState.PENDING, JobState.RUNNING)
    issue = wait_for(lambda: Issue.objects.exclude(github_sync_state__in=unfinished).filter(pk=issue.pk).first())
    assert issue.github_sync_state == state, issue.github_sync_error
    return issue


def retriage(staff_client, issue: Issue, runs: int) -> Issue:
    assert staff_client.post(f"/api/issues/{issue.pk}/triage/").status_code == 202
    return synced(issue, runs=runs)


def test_an_opened_issue_gets_its_labels_and_one_triage_comment_in_three_writes(
    client, linked, fake_github, fake_openai, staff_client
):
    on_github = IssueFactory(project=linked, title="Typo", github_repository=REPOSITORY, github_number=7)
    local = IssueFactory(project=linked, title="Spelling")
    fake_openai.add_reply(
        answer(
            duplicates=[
                {"number": on_github.number, "reason": "Same typo."},
                {"number": local.number, "reason": "Also spelling."},
            ],
            questions=["Which section of the README?"],
        )
    )

    issue = synced(open_issue(client))

    # The GitHub requests of one triaged issue: 3 writes, and 3 reads (the repository's
    # .triage-desk.yml, labels, comments).
    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS, POST_COMMENT]
    assert len(fake_github.calls) == 6
    assert (fake_github.repo_labels[0]["color"], fake_github.repo_labels[0]["description"]) == (
        "1d76db",
        "Screens and layout",
    )
    assert fake_github.issue_labels[NUMBER] == ["ui"]
    [comment] = fake_github.issue_comments[NUMBER]
    body = comment["body"]
    assert body.startswith(triage_comment_marker(issue.pk)) and is_triage_comment(body)
    assert "The README has a spelling error." in body
    assert "- #7: Same typo." in body
    assert f"- `HELLO-{local.number}`: Also spelling." in body
    # A question for the reporter is asked once a person accepts it (on its own comment).
    assert "Which section of the README?" not in body
    assert (issue.github_repository, issue.github_number, issue.github_comment_id) == (REPOSITORY, 1, comment["id"])
    shown = staff_client.get(f"/api/issues/{issue.pk}/").json()
    assert (shown["github_sync_state"], shown["github_comment_id"], shown["github_number"]) == (
        "done",
        comment["id"],
        1,
    )


def test_in_app_mode_the_writes_of_a_triaged_issue_cost_one_installation_token(
    client, linked, fake_github, fake_openai, github_app
):
    github_app.installations[1] = [REPOSITORY]
    fake_openai.add_reply(answer())

    synced(open_issue(client))

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS, POST_COMMENT]
    assert github_app.minted == [1]
    assert len(fake_github.issue_comments[NUMBER]) == 1


def test_a_re_triage_edits_the_triage_comment_and_adds_no_second_one(
    client, linked, fake_github, fake_openai, staff_client
):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    fake_openai.add_reply(answer(summary="A typo in the README's install section."))

    issue = retriage(staff_client, issue, runs=2)

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS, POST_COMMENT, EDIT_COMMENT]
    [comment] = fake_github.issue_comments[NUMBER]
    assert "A typo in the README's install section." in comment["body"]
    assert issue.github_comment_id == comment["id"]


def test_a_re_triage_with_the_same_result_sends_nothing(client, linked, fake_github, fake_openai, staff_client):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    calls, synced_at = len(fake_github.calls), issue.github_synced_at
    fake_openai.add_reply(answer())

    issue = retriage(staff_client, issue, runs=2)

    assert len(fake_github.calls) == calls
    assert issue.github_synced_at == synced_at


def test_a_label_a_person_removed_on_github_is_not_added_again(client, linked, fake_github, fake_openai, staff_client):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    fake_github.issue_labels[NUMBER].remove("ui")
    removed = payload("issues/unlabeled")
    removed["label"]["name"] = "ui"
    assert deliver(client, "issues", removed).status_code == 202
    wait_for(lambda: Issue.objects.get(pk=issue.pk).github_labels_removed == ["ui"])
    fake_openai.add_reply(answer(summary="Still a typo."))

    issue = retriage(staff_client, issue, runs=2)

    assert [key for key, _ in fake_github.writes()][3:] == [EDIT_COMMENT]
    assert fake_github.issue_labels[NUMBER] == []
    assert "ui" not in {label.name for label in issue.labels.all()}
    assert issue.triage_runs.first().suggestions["labels_removed_on_github"] == ["ui"]


def test_a_triage_comment_a_person_deleted_is_not_posted_again(client, linked, fake_github, fake_openai, staff_client):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    fake_github.issue_comments[NUMBER].clear()
    fake_openai.add_reply(answer(summary="Changed."))
    issue = retriage(staff_client, issue, runs=2)
    fake_openai.add_reply(answer(summary="Changed again."))

    issue = retriage(staff_client, issue, runs=3)

    assert [key for key, _ in fake_github.writes()][3:] == [EDIT_COMMENT]
    assert fake_github.issue_comments[NUMBER] == []


def _comment_edited_on_github(comment: dict, body: str, *, sender_type: str) -> dict:
    data = payload("issue_comment/edited")
    data["comment"].update(id=comment["id"], body=body, updated_at="2030-01-01T00:00:00Z")
    data["sender"]["type"] = sender_type
    return data


def test_a_triage_comment_a_person_edited_is_theirs_and_never_overwritten(
    client, linked, fake_github, fake_openai, staff_client
):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    [comment] = fake_github.issue_comments[NUMBER]
    edited = comment["body"] + "\n\nEdit: this is not a typo, the word is British English."

    delivery = _processed(client, "issue_comment", _comment_edited_on_github(comment, edited, sender_type="User"))
    fake_openai.add_reply(answer(summary="Changed."))
    retriage(staff_client, issue, runs=2)

    assert delivery.state == JobState.DONE
    assert EDIT_COMMENT not in [key for key, _ in fake_github.writes()]
    assert not issue.comments.exists()  # our own comment is not imported as a person's


def test_our_bots_edit_of_the_triage_comment_does_not_make_it_a_persons(
    client, linked, fake_github, fake_openai, staff_client
):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    [comment] = fake_github.issue_comments[NUMBER]

    delivery = _processed(
        client, "issue_comment", _comment_edited_on_github(comment, comment["body"], sender_type="Bot")
    )
    fake_openai.add_reply(answer(summary="Changed."))
    retriage(staff_client, issue, runs=2)

    assert delivery.state == JobState.SKIPPED
    assert [key for key, _ in fake_github.writes()][3:] == [EDIT_COMMENT]


def test_writeback_off_sends_nothing(client, linked, fake_github, fake_openai):
    RepositorySettings.objects.create(project=linked, triage_writeback=TriageWriteback.OFF)
    fake_openai.add_reply(answer(questions=["Which file?"]))

    issue = synced(open_issue(client), state=JobState.SKIPPED)

    # Only the repository's file is read (it could turn the write-back on).
    assert [key for key, _ in fake_github.calls] == [READ_CONFIG]
    assert [label.name for label in issue.labels.order_by("name")] == ["bug", "ui"]


def test_the_repositorys_file_turning_the_writeback_off_stops_it(client, linked, fake_github, fake_openai):
    fake_github.add_file(".triage-desk.yml", "triage:\n  github: off\n")
    fake_openai.add_reply(answer(questions=["Which file?"]))

    synced(open_issue(client), state=JobState.SKIPPED)

    assert [key for key, _ in fake_github.calls] == [READ_CONFIG]


def test_the_repositorys_file_overrides_the_admins_off(client, linked, fake_github, fake_openai):
    RepositorySettings.objects.create(project=linked, triage_writeback=TriageWriteback.OFF)
    fake_github.add_file(".triage-desk.yml", "triage:\n  github: labels\n")
    fake_openai.add_reply(answer(questions=["Which file?"]))

    synced(open_issue(client))

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS]
    assert fake_github.issue_comments == {}


def test_an_invalid_file_leaves_the_admins_writeback(client, linked, fake_github, fake_openai):
    RepositorySettings.objects.create(project=linked, triage_writeback=TriageWriteback.LABELS)
    fake_github.add_file(".triage-desk.yml", "triage:\n  github: everything\n")
    fake_openai.add_reply(answer(questions=["Which file?"]))

    synced(open_issue(client))

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS]


def test_labels_only_writes_no_comment(client, linked, fake_github, fake_openai):
    RepositorySettings.objects.create(project=linked, triage_writeback=TriageWriteback.LABELS)
    fake_openai.add_reply(answer(questions=["Which file?"]))

    synced(open_issue(client))

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS]
    assert fake_github.issue_comments == {}


def test_a_label_missing_on_github_is_left_out_when_creating_labels_is_not_allowed(
    client, linked, fake_github, fake_openai
):
    RepositorySettings.objects.create(project=linked, create_missing_labels=False)
    fake_openai.add_reply(answer())

    issue = synced(open_issue(client))

    assert [key for key, _ in fake_github.writes()] == [POST_COMMENT]
    assert issue.github_labels_sent == []


@pytest.mark.parametrize(
    ("operation", "status", "message"),
    [
        (ADD_LABELS, 403, "Resource not accessible by integration"),
        (POST_COMMENT, 422, "Validation Failed"),
    ],
)
def test_a_refusal_by_github_ends_the_writeback_failed_with_the_error(
    client, linked, fake_github, fake_openai, operation, status, message
):
    fake_github.queue_error(operation, status, body={"message": message})
    fake_openai.add_reply(answer())

    issue = synced(open_issue(client), state=JobState.FAILED)

    assert message in issue.github_sync_error
    assert issue.github_sync_attempts == 1


def test_a_rate_limited_write_is_retried_after_the_wait_github_asks_for(client, linked, fake_github, fake_openai):
    fake_github.queue_error(POST_COMMENT, 429, headers={"retry-after": "1"}, body={"message": "slow down"})
    fake_openai.add_reply(answer())

    issue = open_issue(client)
    wait_for(lambda: Issue.objects.filter(pk=issue.pk, github_sync_state=JobState.DONE).exists(), timeout=30)

    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS, POST_COMMENT, POST_COMMENT]
    assert len(fake_github.issue_comments[NUMBER]) == 1


def test_an_archived_issue_stays_archived_after_a_re_triage(client, linked, fake_github, fake_openai, staff_client):
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    issue = issue_archive(issue=issue, actor=AUTOMATION)
    archived_at, last_activity_at = issue.archived_at, issue.last_activity_at
    fake_openai.add_reply(answer(type="docs", summary="A typo in the docs."))

    issue = retriage(staff_client, issue, runs=2)

    assert issue.type == "docs"
    assert (issue.archived_at, issue.last_activity_at) == (archived_at, last_activity_at)
    assert [key for key, _ in fake_github.writes()][-1] == EDIT_COMMENT


def test_our_comment_whose_id_was_lost_is_found_by_its_marker_and_edited(
    client, linked, fake_github, fake_openai, staff_client
):
    fake_github.add_issue_comment(NUMBER, "Thanks for the report!", login="octocat")
    fake_openai.add_reply(answer())
    issue = synced(open_issue(client))
    Issue.objects.filter(pk=issue.pk).update(github_comment_id=None, github_comment_hash="")
    fake_openai.add_reply(answer(summary="Found again."))

    issue = retriage(staff_client, issue, runs=2)

    [person, ours] = fake_github.issue_comments[NUMBER]
    assert [key for key, _ in fake_github.writes()][-1] == EDIT_COMMENT
    assert person["body"] == "Thanks for the report!" and "Found again." in ours["body"]
    assert issue.github_comment_id == ours["id"]


def test_without_github_credentials_the_writeback_fails_saying_so(client, linked, fake_github, fake_openai, settings):
    settings.GITHUB_TOKEN = ""
    fake_openai.add_reply(answer())

    issue = synced(open_issue(client), state=JobState.FAILED)

    assert "GitHub not configured" in issue.github_sync_error
    assert fake_github.calls == []


def _issue_delivery(name: str, **changes) -> dict:
    data = payload(f"issues/{name}")
    data["issue"].update(changes)
    return data


def _processed(client, event: str, data: dict):
    from reviews.models import Delivery

    response = deliver(client, event, data)
    assert response.status_code == 202
    return wait_for(
        lambda: (
            Delivery.objects.filter(delivery_id=response.json()["delivery"])
            .exclude(state__in=(JobState.PENDING, JobState.RUNNING))
            .first()
        )
    )


def test_app_mode_end_to_end_triage_reaches_github_and_both_sides_are_respected(
    client, linked, fake_github, fake_openai, github_app, staff_client
):
    """Issue 13's "done when", through the real worker, in App mode, with real payloads."""
    github_app.installations[1] = [REPOSITORY]
    fake_openai.add_reply(answer())

    # An `issues.opened` delivery creates the issue; triage's labels and one comment reach GitHub.
    issue = synced(open_issue(client))
    assert [key for key, _ in fake_github.writes()] == [CREATE_LABEL, ADD_LABELS, POST_COMMENT]
    assert fake_github.issue_labels[NUMBER] == ["ui"]
    [comment] = fake_github.issue_comments[NUMBER]

    # A re-triage edits that comment, and adds none.
    fake_openai.add_reply(answer(summary="The README misspells 'environment'."))
    issue = retriage(staff_client, issue, runs=2)
    assert [key for key, _ in fake_github.writes()][3:] == [EDIT_COMMENT]
    assert [c["id"] for c in fake_github.issue_comments[NUMBER]] == [comment["id"]]
    assert "misspells" in fake_github.issue_comments[NUMBER][0]["body"]

    # An `issues.edited` delivery (a person edited the body) keeps the labels triage added.
    edited = _processed(
        client, "issues", _issue_delivery("edited", body="Now with steps.", updated_at="2019-05-15T15:21:00Z")
    )
    issue.refresh_from_db()
    assert edited.state == JobState.DONE
    assert (issue.body, sorted(issue.labels.values_list("name", flat=True))) == ("Now with steps.", ["bug", "ui"])

    # A delivery dated before the last one applied changes nothing.
    stale = _processed(
        client, "issues", _issue_delivery("opened", title="An old title", updated_at="2019-05-15T15:20:00Z")
    )
    issue.refresh_from_db()
    assert stale.state == JobState.SKIPPED
    assert issue.title != "An old title"

    # An archived issue stays archived after a re-triage (automation is not activity).
    issue = issue_archive(issue=issue, actor=AUTOMATION)
    fake_openai.add_reply(answer(summary="Still a typo."))
    issue = retriage(staff_client, issue, runs=3)
    assert issue.archived_at is not None

    # All of it on one installation token.
    assert github_app.minted == [1]
    assert len(fake_github.issue_comments[NUMBER]) == 1
