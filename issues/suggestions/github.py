"""An accepted question for the reporter, posted on the linked GitHub issue (job QUESTION_POST).

Accepting a question adds it as a comment here by the deciding person, and for an issue linked
to GitHub requests this job (`issues.post_question_to_github`). The post carries a hidden marker
naming the suggestion, so it is never posted twice: once posted, the comment here records
GitHub's comment id (`external_id`, which also tells the inbound sync it is ours), and an
attempt after a failed one first looks for the marker among the issue's comments (the earlier
attempt may have posted before its answer was lost). GitHub's errors propagate for the task:
rate limits wait, server errors are retried with backoff, a refusal ends the job `failed`;
`suggestion_question_repost` requests a failed one again.
"""

from config.jobs.state import JobState
from issues.jobs import QUESTION_POST
from issues.models import Comment, TriageSuggestion

# Starts with "<!-- triage-desk:", which the inbound sync of issue comments skips as our own.
QUESTION_MARKER = "<!-- triage-desk:question suggestion={suggestion_id} -->"


def question_marker(suggestion_id: int) -> str:
    return QUESTION_MARKER.format(suggestion_id=suggestion_id)


def question_body(suggestion: TriageSuggestion) -> str:
    asked_by = suggestion.decided_by.get_username() if suggestion.decided_by else "a maintainer"
    return (
        f"{question_marker(suggestion.pk)}\n{suggestion.value['question']}\n\n"
        f"<sub>Asked by {asked_by} via Triage Desk.</sub>\n"
    )


def suggestion_question_post(*, suggestion_id: int) -> None:
    """Post the question of one suggestion whose QUESTION_POST job is claimed; complete the job."""
    from reviews.github import GitHubClient

    suggestion = TriageSuggestion.objects.select_related("issue", "comment", "decided_by").get(pk=suggestion_id)
    issue, comment = suggestion.issue, suggestion.comment
    if comment is None or not (issue.github_repository and issue.github_number):
        QUESTION_POST.complete(suggestion_id, state=JobState.SKIPPED)
        return
    if comment.external_id:
        QUESTION_POST.complete(suggestion_id)
        return
    client = GitHubClient.for_repository(issue.github_repository)
    posted = None
    if suggestion.github_post_attempts > 1:
        marker = question_marker(suggestion.pk)
        comments = client.list_issue_comments(issue.github_repository, issue.github_number)
        posted = next((item for item in comments if marker in (item.get("body") or "")), None)
    if posted is None:
        posted = client.create_issue_comment(
            issue.github_repository, issue.github_number, body=question_body(suggestion)
        )
    Comment.objects.filter(pk=comment.pk).update(external_id=str(posted["id"]))
    QUESTION_POST.complete(suggestion_id)


def suggestion_question_repost(*, suggestion: TriageSuggestion) -> bool:
    """Request the post of an accepted question again after it `failed`; False otherwise."""
    if suggestion.github_post_state != JobState.FAILED:
        return False
    return QUESTION_POST.enqueue(suggestion.pk)
