"""Triage learns from people: its prompt carries the project's recent dismissals (with their
reasons) and hand corrections, and an LLM that follows them stops repeating them (fake LLM,
real HTTP)."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from issues.actors import LLM, Actor
from issues.jobs import TRIAGE
from issues.models import Activity
from issues.services import suggestion_dismiss
from issues.services.activity import activity_record
from issues.triage.services import issue_triage
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, ProjectFactory

pytestmark = pytest.mark.django_db

LESSONS = "Recent decisions by people in this project"


@pytest.fixture(autouse=True)
def no_answer_cache(settings):
    settings.LLM_CACHE_TTL_S = 0


def _user_prompt(body) -> str:
    return next(message["content"] for message in body["messages"] if message["role"] == "user")


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]+", text.lower()) if len(word) > 3}


def follows_the_examples(body) -> str:
    """An LLM that proposes the label `needs-design` unless the prompt lists it as dismissed for
    an issue whose title shares a word with this one's."""
    prompt = _user_prompt(body)
    title = re.search(r"^Issue #\d+: (.*)$", prompt, flags=re.MULTILINE).group(1)
    lessons = prompt.split(LESSONS, 1)[1]
    dismissed = re.findall(r'^- #\d+ "(.*)": dismissed label "(.*?)"', lessons, flags=re.MULTILINE)
    avoid = {label for other, label in dismissed if _words(other) & _words(title)}
    answer = {
        "type": "bug",
        "priority": "medium",
        "labels": [label for label in ["needs-design"] if label not in avoid],
        "summary": "A layout problem.",
        "confidence": 0.7,
        "duplicates": [],
        "questions": [],
    }
    return json.dumps(answer)


def _triaged(project, title):
    issue = IssueFactory(project=project, title=title)
    TRIAGE.claim(issue.pk)
    return issue_triage(issue_id=issue.pk)


def test_a_dismissed_label_is_not_suggested_again_for_a_similar_issue(fake_openai):
    fake_openai.set_responder(follows_the_examples)
    project = ProjectFactory()
    first = _triaged(project, "Checkout button misaligned on mobile")
    suggestion_dismiss(suggestion=first.suggestion_rows.get(), user=UserFactory(), reason="Design is tracked elsewhere")

    similar = _triaged(project, "Checkout button overlaps the footer on mobile")
    unrelated = _triaged(project, "Export to spreadsheet times out")

    assert [s.value for s in similar.suggestion_rows.all()] == []
    assert [s.value for s in unrelated.suggestion_rows.all()] == [{"label": "needs-design"}]
    assert 'dismissed label "needs-design" (reason: Design is tracked elsewhere)' in _user_prompt(
        fake_openai.requests[1]
    )


def test_the_prompt_carries_a_value_a_person_corrected_within_a_week(fake_openai):
    fake_openai.set_responder(follows_the_examples)
    project = ProjectFactory()
    corrected = IssueFactory(project=project, title="Slow")
    set_by_triage = activity_record(actor=LLM, field="priority", old="medium", new="critical", issue=corrected)
    Activity.objects.filter(pk=set_by_triage.pk).update(created_at=timezone.now() - timedelta(days=2))
    activity_record(actor=Actor.of_user(UserFactory()), field="priority", old="critical", new="low", issue=corrected)

    _triaged(project, "Search is slow")

    prompt = _user_prompt(fake_openai.requests[0])
    assert f'- #{corrected.number} "Slow": triage set priority critical; a person changed it to low' in prompt
