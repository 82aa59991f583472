"""Commands in pull request comments: the real `issue_comment` payload on a pull request, signed,
processed by the delivery task; GitHub is the schema-checked fake."""

import re
from pathlib import Path

import pytest
from celery.exceptions import Retry

from config.jobs.state import JobState
from issues.models import Project
from reviews.models import Delivery, PullCommand, PullRequest, Review
from reviews.services.commands import COMMANDS, command_parse
from reviews.tasks import process_delivery
from tests.reviews.github import deliver, payload, receive_and_process

pytestmark = pytest.mark.django_db

REPOSITORY = "chhsia0/knative-route-demo"  # the repository of issue_comment/created.on-pull-request
NUMBER = 3
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
REPLY = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "reviews.md"


@pytest.fixture
def linked(fake_github):
    """The comment's repository linked to a project; GitHub knows its pull request #3."""
    Project.objects.create(key="KN", name="Knative", github_repo=REPOSITORY)
    fake_github.pulls[NUMBER] = payload("pull_request/opened")["pull_request"] | {"number": NUMBER}
    return fake_github


def command(body: str, *, association: str = "MEMBER", comment_id: int = 546616131) -> dict:
    data = payload("issue_comment/created.on-pull-request")
    data["comment"].update(body=body, author_association=association, id=comment_id)
    return data


def replies(fake_github) -> list[str]:
    return [body["body"] for key, body in fake_github.calls if key == REPLY]


def synchronize(client, head: str = "f" * 40):
    """A push to pull request #3 (the real synchronize payload, moved to the linked repository)."""
    data = payload("pull_request/synchronize")
    data["repository"]["full_name"] = REPOSITORY
    data["pull_request"].update(number=NUMBER, updated_at="2030-01-01T00:00:00Z")
    data["pull_request"]["head"]["sha"] = head
    return receive_and_process(client, "pull_request", data)


def test_pause_from_a_member_pauses_and_replies_once(client, linked):
    delivery = receive_and_process(client, "issue_comment", command("/pause"))

    assert delivery.state == JobState.DONE, delivery.error
    assert PullRequest.objects.get(number=NUMBER).reviews_paused is True
    [reply] = replies(linked)
    assert "paused" in reply


def test_a_paused_pull_request_gets_no_automatic_review(client, linked):
    receive_and_process(client, "issue_comment", command("/pause"))

    delivery = synchronize(client)

    assert delivery.state == JobState.SKIPPED
    assert "paused" in delivery.result
    assert not Review.objects.exists()


def test_review_command_still_reviews_a_paused_pull_request(client, linked):
    receive_and_process(client, "issue_comment", command("/pause", comment_id=1))

    delivery = receive_and_process(client, "issue_comment", command("/review", comment_id=2))

    assert delivery.state == JobState.DONE, delivery.error
    review = Review.objects.get()
    assert (review.trigger, review.state, review.head_sha) == ("command", JobState.PENDING, HEAD)
    assert f"`{HEAD[:7]}` is under way" in replies(linked)[-1]


def test_pause_skips_the_pending_automatic_review(client, linked):
    synchronize(client)
    assert Review.objects.get().state == JobState.PENDING

    receive_and_process(client, "issue_comment", command("/pause"))

    review = Review.objects.get()
    assert review.state == JobState.SKIPPED
    assert "paused" in review.summary


def test_resume_lets_the_next_push_be_reviewed(client, linked):
    receive_and_process(client, "issue_comment", command("/pause", comment_id=1))
    receive_and_process(client, "issue_comment", command("/resume", comment_id=2))

    delivery = synchronize(client)

    assert delivery.state == JobState.DONE, delivery.error
    assert PullRequest.objects.get(number=NUMBER).reviews_paused is False
    assert Review.objects.get().head_sha == "f" * 40
    assert "resumed" in replies(linked)[-1]


def test_review_full_requests_a_review_and_says_it_is_full(client, linked):
    delivery = receive_and_process(client, "issue_comment", command("/review full"))

    assert delivery.state == JobState.DONE, delivery.error
    assert Review.objects.get().requested_by == "chhsia0"
    assert replies(linked) == [
        f"<!-- triage-desk:command-reply -->\nA full review of `{HEAD[:7]}` is under way (asked by @chhsia0)."
    ]


def test_help_lists_every_command(client, linked):
    receive_and_process(client, "issue_comment", command("/help"))

    [reply] = replies(linked)
    assert [f"`{item.usage}`" in reply for item in COMMANDS] == [True] * len(COMMANDS)


def test_an_unknown_command_gets_one_reply_listing_the_known_ones(client, linked):
    delivery = receive_and_process(client, "issue_comment", command("/deploy now"))

    assert delivery.state == JobState.DONE, delivery.error
    [reply] = replies(linked)
    assert "Unknown command `/deploy`" in reply
    assert "`/pause`" in reply


def test_a_command_from_an_outsider_is_ignored_without_a_reply(client, linked):
    delivery = receive_and_process(client, "issue_comment", command("/pause", association="CONTRIBUTOR"))

    assert delivery.state == JobState.SKIPPED
    assert "only members" in delivery.result
    assert linked.calls == []
    assert PullRequest.objects.filter(reviews_paused=True).exists() is False


def test_an_unknown_command_from_an_outsider_is_ignored_without_a_reply(client, linked):
    delivery = receive_and_process(client, "issue_comment", command("/deploy", association="NONE"))

    assert delivery.state == JobState.SKIPPED
    assert linked.calls == []


def test_the_same_comment_delivered_again_is_answered_once(client, linked):
    receive_and_process(client, "issue_comment", command("/review"))

    again = receive_and_process(client, "issue_comment", command("/review"))  # a new delivery id

    assert again.state == JobState.SKIPPED
    assert "answered already" in again.result
    assert len(replies(linked)) == 1
    assert PullCommand.objects.get().reply_id is not None


def test_a_reply_that_failed_is_posted_on_the_retry_without_acting_again(client, linked):
    linked.queue_error(REPLY, 502)
    response = deliver(client, "issue_comment", command("/review"))
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])
    with pytest.raises(Retry):
        process_delivery.apply(args=[delivery.pk], throw=True).get()
    Review.objects.update(state=JobState.DONE)  # the review ran meanwhile: acting again would re-run it

    process_delivery.apply(args=[delivery.pk], throw=True).get()

    delivery.refresh_from_db()
    assert delivery.state == JobState.DONE, delivery.error
    assert Review.objects.get().state == JobState.DONE
    assert len(replies(linked)) == 2  # the refused one, then the one GitHub took


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        ("/review", ("review", "")),
        ("  /Review FULL\nplease", ("review", "full")),
        ("/pause", ("pause", "")),
        ("/usr/bin is the wrong path", None),
        ("Looks good. /review", None),
    ],
)
def test_a_command_is_the_first_word_of_the_comment(body, parsed):
    command_found = command_parse(body)

    assert (command_found and (command_found.name, command_found.argument)) == parsed


def test_the_docs_list_every_command():
    table = DOCS.read_text()

    documented = set(re.findall(r"^\| `(/[a-z ]+)` \|", table, re.MULTILINE))
    assert documented == {item.usage for item in COMMANDS}


# --- through a real worker -------------------------------------------------------------------


def test_pause_review_and_a_thumbs_down_end_to_end(client, project, fake_github, fake_openai, celery_worker):
    """Opened → reviewed; a person's thumbs-down on the inline comment; /pause → the next push
    is not reviewed; /review → reviewed, the reactions read first: the finding is dismissed."""
    from reviews.models import ReviewComment
    from tests.reviews.github import diff_entry
    from tests.reviews.test_review_flow import APP_PATCH, finding, responder, wait_for_review
    from tests.worker import wait_for

    fake_github.files[2] = [diff_entry("src/app.py", APP_PATCH)]
    fake_openai.set_responder(responder({"src/app.py": [finding(4, "open() is never closed.")]}))
    assert deliver(client, "pull_request", payload("pull_request/opened")).status_code == 202
    first = wait_for_review()
    [posted] = fake_github.posted()[0]["comments"]
    linked = payload("pull_request_review_comment/created")
    linked["comment"].update(id=7001, pull_request_review_id=first.github_review_id, commit_id=HEAD, **posted)
    deliver(client, "pull_request_review_comment", linked)
    wait_for(lambda: ReviewComment.objects.filter(github_id=7001).first())
    fake_github.add_reaction(7001, "-1", login="maintainer")

    def comment_on_2(body: str, comment_id: int) -> dict:
        data = command(body, comment_id=comment_id)
        data["repository"]["full_name"] = "Codertocat/Hello-World"
        data["issue"]["number"] = 2
        return data

    deliver(client, "issue_comment", comment_on_2("/pause", 1))
    wait_for(lambda: PullRequest.objects.filter(reviews_paused=True).first())
    pushed = payload("pull_request/synchronize")
    pushed["pull_request"].update(updated_at="2030-01-01T00:00:00Z")
    pushed["pull_request"]["head"]["sha"] = "f" * 40
    fake_github.pulls[2] = pushed["pull_request"]
    push = deliver(client, "pull_request", pushed)
    wait_for(lambda: Delivery.objects.filter(delivery_id=push.json()["delivery"], state=JobState.SKIPPED).first())
    deliver(client, "issue_comment", comment_on_2("/review", 2))

    second = wait_for_review(head="f" * 40)
    assert second.trigger == "command"
    assert ReviewComment.objects.get(github_id=7001).outcome == "dismissed"
    assert len(replies(fake_github)) == 2
