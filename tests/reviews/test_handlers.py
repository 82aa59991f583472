"""Each handled event, delivered as GitHub signs it, then processed by the delivery task."""

import json

import pytest

from config.jobs.state import JobState
from issues.choices import IssueStatus
from issues.models import Comment, Issue
from reviews.models import Delivery, Installation, PullRequest, Review, ReviewComment
from reviews.tasks import process_delivery
from tests.issues.factories import IssueFactory
from tests.reviews.factories import ProjectFactory, PullRequestFactory, ReviewCommentFactory, ReviewFactory
from tests.reviews.github import deliver, payload, payload_bytes, receive_and_process

pytestmark = pytest.mark.django_db

HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def with_changes(name: str, path: tuple, value) -> dict:
    data = payload(name)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


# --- pull_request -------------------------------------------------------------------------


def test_opened_pull_request_is_stored_and_its_head_review_requested(
    client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    assert delivery.state == JobState.DONE
    pull = PullRequest.objects.get()
    assert (pull.repository, pull.number, pull.head_sha, pull.author) == (
        "Codertocat/Hello-World",
        2,
        HEAD,
        "Codertocat",
    )
    assert pull.project == project
    review = Review.objects.get()
    assert (review.head_sha, review.state, review.trigger) == (HEAD, JobState.PENDING, "opened")
    assert len(callbacks) == 2  # the delivery task, then the review task


def test_pull_request_description_labels_and_base_branch_are_stored(client, project):
    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    pull = PullRequest.objects.get()
    assert pull.body == "This is a pretty simple change that we need to pull into master."
    assert (pull.labels, pull.base_ref) == (["bug"], "master")


def test_a_labeled_pull_request_is_updated_without_a_review_request(client, project):
    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))
    data = with_changes("pull_request/labeled", ("pull_request", "labels"), [{"name": "no-review"}])

    delivery = receive_and_process(client, "pull_request", data)

    assert (delivery.state, PullRequest.objects.get().labels) == (JobState.DONE, ["no-review"])
    assert Review.objects.count() == 1


def test_pull_request_of_an_unlinked_repository_is_skipped(client, db):
    delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    assert delivery.state == JobState.SKIPPED
    assert "not linked" in delivery.result
    assert not Review.objects.exists()


@pytest.mark.parametrize("action", ["reopened", "synchronize"])
def test_reopened_and_synchronize_request_a_review(client, project, action):
    receive_and_process(client, "pull_request", payload_bytes(f"pull_request/{action}"))

    assert Review.objects.get().trigger == action


def test_synchronize_to_a_new_head_supersedes_the_pending_older_review(client, project):
    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))
    newer = with_changes("pull_request/synchronize", ("pull_request", "head", "sha"), "f" * 40)
    newer["pull_request"]["updated_at"] = "2019-05-15T15:30:00Z"

    receive_and_process(client, "pull_request", newer)

    states = dict(Review.objects.values_list("head_sha", "state"))
    assert states == {HEAD: JobState.SKIPPED, "f" * 40: JobState.PENDING}
    assert PullRequest.objects.get().head_sha == "f" * 40


def test_a_late_older_delivery_does_not_move_the_head_back(client, project):
    newer = with_changes("pull_request/synchronize", ("pull_request", "head", "sha"), "f" * 40)
    newer["pull_request"]["updated_at"] = "2019-05-15T15:30:00Z"
    receive_and_process(client, "pull_request", newer)

    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    assert PullRequest.objects.get().head_sha == "f" * 40
    assert list(Review.objects.values_list("head_sha", flat=True)) == ["f" * 40]


def test_the_same_head_is_reviewed_once(client, project):
    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/synchronize"))

    assert Review.objects.count() == 1
    assert delivery.state == JobState.DONE


def test_draft_pull_request_is_not_reviewed(client, project, fake_github):
    draft = with_changes("pull_request/opened", ("pull_request", "draft"), True)

    delivery = receive_and_process(client, "pull_request", draft)

    assert delivery.state == JobState.SKIPPED
    assert "draft" in delivery.result
    assert not Review.objects.exists()


def test_ready_for_review_requests_the_review_a_draft_did_not_get(client, project, fake_github):
    receive_and_process(client, "pull_request", with_changes("pull_request/opened", ("pull_request", "draft"), True))
    ready = with_changes("pull_request/opened", ("action",), "ready_for_review")

    receive_and_process(client, "pull_request", ready)

    assert Review.objects.get().trigger == "ready_for_review"


def test_bot_authored_pull_request_is_not_reviewed(client, project):
    bot = payload("pull_request/opened")
    bot["pull_request"]["user"].update(login="dependabot[bot]", type="Bot")

    delivery = receive_and_process(client, "pull_request", bot)

    assert "bot" in delivery.result
    assert not Review.objects.exists()


def test_closed_pull_request_is_marked_closed_and_its_pending_review_skipped(client, project):
    receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/closed"))

    assert delivery.state == JobState.DONE
    assert PullRequest.objects.get().state == "closed"
    assert Review.objects.get().state == JobState.SKIPPED


def test_repository_with_reviews_disabled_is_skipped(client, project, fake_github):
    from reviews.models import RepositorySettings

    RepositorySettings.objects.create(project=project, enabled=False)

    delivery = receive_and_process(client, "pull_request", payload_bytes("pull_request/opened"))

    assert "disabled" in delivery.result
    assert not Review.objects.exists()


# --- issues -------------------------------------------------------------------------------


def test_opened_issue_creates_the_linked_issue_and_queues_triage(client, project, django_capture_on_commit_callbacks):
    gh_issue = payload("issues/opened")["issue"]

    with django_capture_on_commit_callbacks() as callbacks:
        delivery = receive_and_process(client, "issues", payload_bytes("issues/opened"))

    assert delivery.state == JobState.DONE, delivery.error
    issue = Issue.objects.get()
    assert (issue.project, issue.title, issue.source, issue.external_id) == (
        project,
        gh_issue["title"],
        "github",
        str(gh_issue["id"]),
    )
    assert issue.reporter == "Codertocat"
    assert issue.triage_state == JobState.PENDING
    assert len(callbacks) == 2  # delivery task, then triage


def test_real_edited_delivery_of_a_known_issue_updates_it_in_place(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/opened"))

    delivery = receive_and_process(client, "issues", payload_bytes("issues/edited"))

    assert delivery.state == JobState.DONE
    assert "updated" in delivery.result
    assert Issue.objects.count() == 1


def test_edited_issue_takes_the_new_title_and_body(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/opened"))
    edited = with_changes("issues/edited", ("issue", "title"), "Spelling error in the README, again")
    edited["issue"]["body"] = "Now with details."

    receive_and_process(client, "issues", edited)

    issue = Issue.objects.get()
    assert (issue.title, issue.body, issue.version) == ("Spelling error in the README, again", "Now with details.", 2)


def test_closed_then_reopened_issue_follows_github_state(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/opened"))
    closed = with_changes("issues/opened", ("action",), "closed")
    closed["issue"]["state"] = "closed"
    receive_and_process(client, "issues", closed)
    assert Issue.objects.get().status == IssueStatus.CLOSED

    receive_and_process(client, "issues", payload_bytes("issues/reopened"))

    assert Issue.objects.get().status == IssueStatus.OPEN


def test_real_closed_delivery_of_an_unknown_issue_creates_it_closed(client, db):
    from issues.models import Project

    Project.objects.create(key="FLYNN", name="Flynn", github_repo="C-Saunders/flynn_env_test")

    delivery = receive_and_process(client, "issues", payload_bytes("issues/closed"))

    assert delivery.state == JobState.DONE, delivery.error
    assert Issue.objects.get().status == IssueStatus.CLOSED


def test_labeled_issue_gets_the_github_labels(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/opened"))
    names = sorted(label["name"] for label in payload("issues/labeled")["issue"]["labels"])

    receive_and_process(client, "issues", payload_bytes("issues/labeled"))

    assert sorted(Issue.objects.get().labels.values_list("name", flat=True)) == names


def test_unlabeled_issue_loses_the_label(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/labeled"))
    unlabeled = with_changes("issues/labeled", ("action",), "unlabeled")
    unlabeled["issue"]["labels"] = []

    receive_and_process(client, "issues", unlabeled)

    assert not Issue.objects.get().labels.exists()


def test_issue_of_an_unlinked_repository_is_skipped(client, db):
    delivery = receive_and_process(client, "issues", payload_bytes("issues/opened"))

    assert delivery.state == JobState.SKIPPED
    assert not Issue.objects.exists()


def _planted(gh_issue: dict) -> Issue:
    """An issue of another project holding the GitHub issue's id, as an old event could plant it."""
    return IssueFactory(project=ProjectFactory(), source="github", external_id=str(gh_issue["id"]), title="Planted")


def test_a_delivery_never_updates_an_issue_of_another_project_with_the_same_github_id(client, project):
    planted = _planted(payload("issues/edited")["issue"])

    delivery = receive_and_process(client, "issues", payload_bytes("issues/edited"))

    assert delivery.state == JobState.SKIPPED
    planted.refresh_from_db()
    assert (planted.title, planted.version) == ("Planted", 1)
    assert not Issue.objects.filter(project=project).exists()


def test_a_comment_never_lands_on_an_issue_of_another_project_with_the_same_github_id(client, project):
    planted = _planted(payload("issue_comment/created")["issue"])

    delivery = receive_and_process(client, "issue_comment", payload_bytes("issue_comment/created"))

    assert delivery.state == JobState.SKIPPED
    assert not Comment.objects.filter(issue=planted).exists()


# --- issue_comment ------------------------------------------------------------------------


def test_comment_is_added_to_the_linked_issue_once(client, project):
    receive_and_process(client, "issues", payload_bytes("issues/opened"))
    comment = payload("issue_comment/created")["comment"]

    first = receive_and_process(client, "issue_comment", payload_bytes("issue_comment/created"))
    again = receive_and_process(client, "issue_comment", payload_bytes("issue_comment/created"))

    saved = Comment.objects.get()
    assert (saved.body, saved.author_name, saved.external_id) == (comment["body"], "Codertocat", str(comment["id"]))
    assert (first.state, again.state) == (JobState.DONE, JobState.SKIPPED)


def test_comment_on_an_unlinked_issue_is_skipped(client, project):
    delivery = receive_and_process(client, "issue_comment", payload_bytes("issue_comment/created"))

    assert delivery.state == JobState.SKIPPED
    assert not Comment.objects.exists()


def test_ordinary_comment_on_a_pull_request_is_skipped(client, db):
    delivery = receive_and_process(client, "issue_comment", payload_bytes("issue_comment/created.on-pull-request"))

    assert delivery.state == JobState.SKIPPED
    assert not Review.objects.exists()


def _review_command(association: str) -> dict:
    data = payload("issue_comment/created.on-pull-request")
    data["comment"].update(body="/review please", author_association=association)
    return data


def test_review_command_from_a_member_re_runs_the_review(client, fake_github, django_capture_on_commit_callbacks):
    from issues.models import Project

    Project.objects.create(key="KN", name="Knative", github_repo="chhsia0/knative-route-demo")
    fake_github.pulls[3] = payload("pull_request/opened")["pull_request"] | {"number": 3}

    with django_capture_on_commit_callbacks() as callbacks:
        delivery = receive_and_process(client, "issue_comment", _review_command("MEMBER"))

    assert delivery.state == JobState.DONE, delivery.error
    review = Review.objects.get()
    assert (review.trigger, review.requested_by, review.head_sha) == ("command", "chhsia0", HEAD)
    assert len(callbacks) == 2


def test_review_command_from_an_outsider_is_ignored(client, project, fake_github):
    delivery = receive_and_process(client, "issue_comment", _review_command("NONE"))

    assert delivery.state == JobState.SKIPPED
    assert "only members" in delivery.result
    assert fake_github.calls == []


# --- pull_request_review_comment ---------------------------------------------------------


def _posted_comment(**changes) -> dict:
    """The real `pull_request_review_comment` created delivery, about one of our comments."""
    data = payload("pull_request_review_comment/created")
    data["comment"].update(changes)
    return data


def _our_posted_review(**comment_fields) -> ReviewComment:
    """A posted review (GitHub's review id is the one in the payload) with one inline comment
    on the payload's path and line."""
    project = ProjectFactory(github_repo="Codertocat/Hello-World")
    pull = PullRequestFactory(project=project, number=2, head_sha=HEAD)
    review = ReviewFactory(pull_request=pull, github_review_id=237895671)
    return ReviewCommentFactory(review=review, path="README.md", line=265, **comment_fields)


def test_the_github_id_of_a_posted_inline_comment_is_recorded(client, db):
    comment = _our_posted_review(severity="minor", body="Maybe you should use more emoji on this line.")
    other = ReviewCommentFactory(review=comment.review, path="README.md", line=265, body="Another finding.")

    delivery = receive_and_process(
        client,
        "pull_request_review_comment",
        _posted_comment(body="**MINOR**: Maybe you should use more emoji on this line."),
    )

    assert delivery.state == JobState.DONE, delivery.error
    comment.refresh_from_db()
    other.refresh_from_db()
    assert comment.github_id == 284312630
    assert other.github_id is None
    # A redelivery of the same comment changes nothing.
    again = receive_and_process(
        client,
        "pull_request_review_comment",
        _posted_comment(body="**MINOR**: Maybe you should use more emoji on this line."),
    )
    assert again.state == JobState.DONE
    assert ReviewComment.objects.filter(github_id=284312630).count() == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"pull_request_review_id": 1}, "review 1 is not one of ours"),  # another review
        ({"body": "I disagree."}, "no unlinked comment"),  # a person's comment on our review
    ],
)
def test_a_comment_that_is_not_one_of_ours_is_skipped(client, db, changes, reason):
    comment = _our_posted_review()

    delivery = receive_and_process(client, "pull_request_review_comment", _posted_comment(**changes))

    assert delivery.state == JobState.SKIPPED
    assert reason in delivery.result
    comment.refresh_from_db()
    assert comment.github_id is None


def test_our_comment_delivered_before_its_review_s_id_is_recorded_is_retried(client, db):
    from celery.exceptions import Retry

    comment = _our_posted_review()
    Review.objects.filter(pk=comment.review.pk).update(state=JobState.RUNNING, github_review_id=None)
    response = deliver(client, "pull_request_review_comment", _posted_comment(body="**MAJOR**: " + comment.body))
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])

    with pytest.raises(Retry):
        process_delivery.apply(args=[delivery.pk], throw=True).get()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (JobState.PENDING, 1)


def test_a_person_s_comment_while_our_review_is_being_posted_is_skipped_at_once(client, db):
    comment = _our_posted_review()
    Review.objects.filter(pk=comment.review.pk).update(state=JobState.RUNNING, github_review_id=None)

    delivery = receive_and_process(client, "pull_request_review_comment", _posted_comment(body="Looks fine."))

    assert delivery.state == JobState.SKIPPED
    assert "is not one of ours" in delivery.result


# --- installation -------------------------------------------------------------------------


def test_installation_is_recorded(client, db):
    data = json.loads(payload_bytes("installation/created"))

    delivery = receive_and_process(client, "installation", payload_bytes("installation/created"))

    installation = Installation.objects.get()
    assert delivery.state == JobState.DONE
    assert installation.installation_id == data["installation"]["id"]
    assert (installation.account, installation.last_action) == ("Codertocat", "created")
    assert list(installation.repositories.values_list("full_name", flat=True)) == ["Codertocat/Hello-World"]


def test_review_command_on_a_pull_request_github_does_not_know_fails_visibly(client, fake_github):
    from issues.models import Project

    Project.objects.create(key="KN", name="Knative", github_repo="chhsia0/knative-route-demo")
    fake_github.queue_error("GET /repos/{owner}/{repo}/pulls/{pull_number}", 404, {}, {"message": "Not Found"})

    delivery = receive_and_process(client, "issue_comment", _review_command("OWNER"))

    assert delivery.state == JobState.FAILED
    assert "404" in delivery.error


def test_delivery_hit_by_a_github_outage_goes_back_to_pending_for_its_retry(client, fake_github):
    from celery.exceptions import Retry

    from issues.models import Project

    Project.objects.create(key="KN", name="Knative", github_repo="chhsia0/knative-route-demo")
    fake_github.queue_error("GET /repos/{owner}/{repo}/pulls/{pull_number}", 502)
    response = deliver(client, "issue_comment", _review_command("OWNER"))
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])

    with pytest.raises(Retry):
        process_delivery.apply(args=[delivery.pk], throw=True).get()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (JobState.PENDING, 1)
