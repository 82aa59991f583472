"""Sync that respects both sides: real `issues` and `issue_comment` deliveries against an issue
that triage and people also change here."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.jobs.state import JobState
from issues.actors import LLM
from issues.models import Comment, Issue
from issues.services import issue_github_label_removed_by_person, issue_update
from reviews.models import Delivery, ParkedComment
from tests.reviews.github import payload, receive_and_process

pytestmark = pytest.mark.django_db

BOT = {"login": "triage-desk[bot]", "id": 90001, "type": "Bot"}
MARKER = "<!-- triage-desk:triage -->"


def receive(client, event: str, name_or_body) -> Delivery:
    return receive_and_process(client, event, payload(name_or_body) if isinstance(name_or_body, str) else name_or_body)


def labels_of(issue: Issue) -> list[str]:
    return sorted(issue.labels.values_list("name", flat=True))


def labeled(action: str, name: str, labels: list[str], *, sender: dict | None = None) -> dict:
    """A real labeled/unlabeled delivery for label `name`, GitHub's labels then being `labels`."""
    data = payload(f"issues/{action}")
    data["label"] = {**data["label"], "name": name}
    data["issue"]["labels"] = [{**data["label"], "name": label} for label in labels]
    if sender is not None:
        data["sender"] = sender
    return data


def by_bot(data: dict) -> dict:
    data["sender"] = BOT
    if "comment" in data:
        data["comment"]["user"] = BOT
    return data


def archived_long_ago(issue: Issue) -> Issue:
    long_ago = timezone.now() - timedelta(days=90)
    Issue.objects.filter(pk=issue.pk).update(archived_at=long_ago, last_activity_at=long_ago, updated_at=long_ago)
    return Issue.objects.get(pk=issue.pk)


@pytest.fixture
def issue(client, project) -> Issue:
    """The real issues/opened delivery applied: GitHub issue #1 with its `bug` label."""
    assert receive(client, "issues", "issues/opened").state == JobState.DONE
    return Issue.objects.get()


# --- labels -------------------------------------------------------------------------------


def test_an_edited_delivery_keeps_the_label_triage_added(client, issue):
    issue_update(issue=issue, version=None, actor=LLM, labels=["bug", "needs-info"], create_missing_labels=True)

    delivery = receive(client, "issues", "issues/edited")

    assert delivery.state == JobState.DONE, delivery.result
    assert labels_of(issue) == ["bug", "needs-info"]


def test_a_label_added_on_github_is_added_to_ours(client, issue):
    issue_update(issue=issue, version=None, actor=LLM, labels=["bug", "needs-info"], create_missing_labels=True)

    receive(client, "issues", labeled("labeled", "enhancement", ["bug", "enhancement"]))

    assert labels_of(issue) == ["bug", "enhancement", "needs-info"]


def test_a_label_removed_on_github_is_removed_from_ours_and_only_that_one(client, issue):
    issue_update(issue=issue, version=None, actor=LLM, labels=["bug", "needs-info"], create_missing_labels=True)

    receive(client, "issues", "issues/unlabeled")  # real payload: `bug` removed (its issue.labels still list it)

    assert labels_of(issue) == ["needs-info"]


def test_a_label_a_person_removed_on_github_is_remembered_for_triage(client, issue):
    receive(client, "issues", "issues/unlabeled")

    issue.refresh_from_db()
    assert issue.github_labels_removed == ["bug"]
    assert issue_github_label_removed_by_person(issue, "Bug")
    assert not issue_github_label_removed_by_person(issue, "enhancement")


def test_a_label_our_bot_removed_is_not_remembered_as_a_person_s_choice(client, issue):
    receive(client, "issues", by_bot(payload("issues/unlabeled")))

    issue.refresh_from_db()
    assert labels_of(issue) == []
    assert not issue_github_label_removed_by_person(issue, "bug")


def test_a_label_added_back_on_github_is_forgotten_as_removed(client, issue):
    receive(client, "issues", "issues/unlabeled")
    again = labeled("labeled", "bug", ["bug"])
    again["issue"]["updated_at"] = "2019-05-15T15:21:00Z"

    receive(client, "issues", again)

    issue.refresh_from_db()
    assert labels_of(issue) == ["bug"]
    assert not issue_github_label_removed_by_person(issue, "bug")


def test_a_delivery_that_missed_a_label_change_applies_the_difference(client, issue):
    issue_update(issue=issue, version=None, actor=LLM, labels=["bug", "needs-info"], create_missing_labels=True)
    edited = payload("issues/edited")  # GitHub meanwhile dropped `bug` and gained `docs`, unseen here
    edited["issue"]["labels"] = [{**edited["issue"]["labels"][0], "name": "docs"}]

    receive(client, "issues", edited)

    assert labels_of(issue) == ["docs", "needs-info"]


# --- order --------------------------------------------------------------------------------


def test_a_delivery_dated_before_the_last_one_changes_nothing(client, issue):
    assert receive(client, "issues", "issues/reopened").state == JobState.DONE  # GitHub's updated_at: 2021
    issue.refresh_from_db()
    before = (issue.title, issue.body, issue.version, labels_of(issue))
    late = payload("issues/edited")  # dated 2019
    late["issue"].update(title="An older title", body="An older body", labels=[])

    delivery = receive(client, "issues", late)

    issue.refresh_from_db()
    assert delivery.state == JobState.SKIPPED
    assert "older than the one applied" in delivery.result
    assert (issue.title, issue.body, issue.version, labels_of(issue)) == before


def test_a_delivery_of_the_same_moment_is_applied(client, issue):
    edited = payload("issues/edited")  # same updated_at as issues/opened
    edited["issue"]["title"] = "A title edited within the second"

    assert receive(client, "issues", edited).state == JobState.DONE

    issue.refresh_from_db()
    assert issue.title == "A title edited within the second"


# --- activity -----------------------------------------------------------------------------


def test_a_person_s_edit_on_github_unarchives_the_issue(client, issue):
    archived_long_ago(issue)
    edited = payload("issues/edited")
    edited["issue"]["body"] = "More detail from the reporter."

    receive(client, "issues", edited)

    issue.refresh_from_db()
    assert issue.archived_at is None
    assert issue.last_activity_at > timezone.now() - timedelta(minutes=1)


def test_our_bot_s_change_on_github_keeps_the_issue_archived_and_its_clock(client, issue):
    stale = archived_long_ago(issue)

    delivery = receive(client, "issues", by_bot(labeled("labeled", "needs-info", ["bug", "needs-info"])))

    issue.refresh_from_db()
    assert delivery.state == JobState.DONE
    assert labels_of(issue) == ["bug", "needs-info"]
    assert (issue.archived_at, issue.last_activity_at) == (stale.archived_at, stale.last_activity_at)


def test_a_reopen_unarchives_even_when_a_bot_reopens(client, issue):
    Issue.objects.filter(pk=issue.pk).update(status="closed")
    archived_long_ago(issue)

    receive(client, "issues", by_bot(payload("issues/reopened")))

    issue.refresh_from_db()
    assert (issue.status, issue.archived_at) == ("open", None)


def test_a_person_s_github_comment_unarchives_the_issue(client, issue):
    archived_long_ago(issue)

    delivery = receive(client, "issue_comment", "issue_comment/created.with-installation")

    issue.refresh_from_db()
    assert delivery.state == JobState.DONE
    assert issue.archived_at is None
    assert issue.last_activity_at > timezone.now() - timedelta(minutes=1)


def test_a_bot_s_github_comment_is_kept_but_leaves_the_issue_archived(client, issue):
    stale = archived_long_ago(issue)

    receive(client, "issue_comment", by_bot(payload("issue_comment/created")))

    issue.refresh_from_db()
    assert Comment.objects.get().author_name == BOT["login"]
    assert (issue.archived_at, issue.last_activity_at) == (stale.archived_at, stale.last_activity_at)


def test_our_triage_comment_coming_back_is_not_imported(client, issue):
    ours = by_bot(payload("issue_comment/created"))
    ours["comment"]["body"] = f"{MARKER}\n**Triage**: a spelling error in the README."

    delivery = receive(client, "issue_comment", ours)

    assert delivery.state == JobState.SKIPPED
    assert "our own triage comment" in delivery.result
    assert not Comment.objects.exists()


# --- comments: edits, deletions, before their issue -------------------------------------


def test_a_comment_edit_on_github_is_mirrored(client, issue):
    receive(client, "issue_comment", "issue_comment/created")

    delivery = receive(client, "issue_comment", "issue_comment/edited")

    assert delivery.state == JobState.DONE
    assert Comment.objects.get().body == payload("issue_comment/edited")["comment"]["body"]


def test_an_older_edit_processed_late_does_not_revert_the_comment(client, issue):
    newer = payload("issue_comment/edited")
    newer["comment"].update(body="The newest text.", updated_at="2019-05-15T15:30:00Z")
    receive(client, "issue_comment", newer)

    delivery = receive(client, "issue_comment", "issue_comment/edited")

    assert delivery.state == JobState.SKIPPED
    assert Comment.objects.get().body == "The newest text."


def test_a_comment_deleted_on_github_is_deleted_here(client, issue):
    receive(client, "issue_comment", "issue_comment/created")

    delivery = receive(client, "issue_comment", "issue_comment/deleted")

    assert delivery.state == JobState.DONE
    assert not Comment.objects.exists()


def test_a_comment_delivered_before_its_issue_is_applied_once_the_issue_arrives(client, project):
    early = receive(client, "issue_comment", "issue_comment/created")
    assert early.state == JobState.SKIPPED and "parked" in early.result
    assert ParkedComment.objects.count() == 1

    receive(client, "issues", "issues/opened")

    comment = Comment.objects.get()
    assert (comment.issue, comment.body) == (Issue.objects.get(), payload("issue_comment/created")["comment"]["body"])
    assert not ParkedComment.objects.exists()
    early.refresh_from_db()
    assert early.state == JobState.DONE and "parked, then applied" in early.result


def test_a_comment_edited_before_its_issue_arrives_lands_with_its_latest_text(client, project):
    receive(client, "issue_comment", "issue_comment/edited")
    receive(client, "issue_comment", "issue_comment/created")  # the older delivery, processed last

    receive(client, "issues", "issues/opened")

    assert Comment.objects.get().body == payload("issue_comment/edited")["comment"]["body"]


def test_a_comment_deleted_before_its_issue_arrives_never_lands(client, project):
    receive(client, "issue_comment", "issue_comment/created")
    receive(client, "issue_comment", "issue_comment/deleted")

    receive(client, "issues", "issues/opened")

    assert Issue.objects.exists()
    assert not Comment.objects.exists()


def test_a_parked_comment_goes_with_its_delivery_when_deliveries_are_pruned(client, project):
    from reviews.services.deliveries import deliveries_prune

    early = receive(client, "issue_comment", "issue_comment/created")
    Delivery.objects.filter(pk=early.pk).update(received_at=timezone.now() - timedelta(days=40))

    deliveries_prune(older_than_days=30)

    assert not ParkedComment.objects.exists()
