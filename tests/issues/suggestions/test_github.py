"""An accepted question for the reporter reaches the linked GitHub issue once: a real worker and
the fake GitHub (requests checked against GitHub's API description)."""

import pytest

from config.jobs.state import JobState
from issues.choices import SuggestionKind
from issues.jobs import QUESTION_POST
from issues.models import Comment, TriageSuggestion
from issues.services import suggestion_accept
from issues.suggestions.github import question_marker, suggestion_question_post, suggestion_question_repost
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, TriageSuggestionFactory
from tests.reviews.conftest import REPOSITORY
from tests.worker import wait_for

pytestmark = pytest.mark.django_db

POST_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
NUMBER = 7


@pytest.fixture
def question():
    issue = IssueFactory(github_repository=REPOSITORY, github_number=NUMBER)
    return TriageSuggestionFactory(issue=issue, kind=SuggestionKind.QUESTION, value={"question": "Which OS?"})


def _accepted(question) -> TriageSuggestion:
    suggestion_accept(suggestion=question, user=UserFactory(username="ana"))
    unfinished = (JobState.PENDING, JobState.RUNNING)
    return wait_for(
        lambda: TriageSuggestion.objects.exclude(github_post_state__in=unfinished).filter(pk=question.pk).first(),
        timeout=15,
    )


def _posts(fake_github) -> list[dict]:
    return [body for key, body in fake_github.writes() if key == POST_COMMENT]


def test_an_accepted_question_is_posted_once_on_the_github_issue(celery_worker, fake_github, question):
    posted = _accepted(question)

    [comment] = fake_github.issue_comments[NUMBER]
    assert (posted.github_post_state, len(_posts(fake_github))) == (JobState.DONE, 1)
    assert comment["body"].startswith(question_marker(question.pk))
    assert "Which OS?" in comment["body"] and "Asked by ana" in comment["body"]
    assert Comment.objects.get(pk=posted.comment_id).external_id == str(comment["id"])


def test_a_server_error_is_retried_and_the_question_posted_once(celery_worker, fake_github, question):
    fake_github.queue_error(POST_COMMENT, 502, body={"message": "Server Error"})

    posted = _accepted(question)

    assert (posted.github_post_state, posted.github_post_attempts) == (JobState.DONE, 2)
    assert len(fake_github.issue_comments[NUMBER]) == 1


def test_a_refusal_ends_the_post_failed_and_staff_can_post_it_again(celery_worker, fake_github, question):
    fake_github.queue_error(POST_COMMENT, 403, body={"message": "Resource not accessible by integration"})
    failed = _accepted(question)

    requested = suggestion_question_repost(suggestion=failed)

    assert (failed.github_post_state, "not accessible" in failed.github_post_error) == (JobState.FAILED, True)
    assert requested
    wait_for(lambda: TriageSuggestion.objects.filter(pk=question.pk, github_post_state=JobState.DONE).exists())
    assert len(fake_github.issue_comments[NUMBER]) == 1


def test_a_post_whose_answer_was_lost_is_found_by_its_marker_and_not_repeated(fake_github, question):
    suggestion_accept(suggestion=question, user=UserFactory())
    QUESTION_POST.claim(question.pk)
    QUESTION_POST.release(question.pk)  # an attempt that posted, then lost GitHub's answer
    QUESTION_POST.claim(question.pk)
    earlier = fake_github.add_issue_comment(NUMBER, f"{question_marker(question.pk)}\nWhich OS?", login="bot[bot]")

    suggestion_question_post(suggestion_id=question.pk)

    suggestion = TriageSuggestion.objects.get(pk=question.pk)
    assert (_posts(fake_github), suggestion.github_post_state) == ([], JobState.DONE)
    assert Comment.objects.get(pk=suggestion.comment_id).external_id == str(earlier["id"])
