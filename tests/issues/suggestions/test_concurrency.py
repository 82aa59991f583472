"""Two people deciding one suggestion at once, on separate database connections."""

import pytest

from config.api.errors import ApplicationError
from issues.choices import SuggestionKind
from issues.models import Activity, Issue, TriageSuggestion
from issues.services import suggestion_accept, suggestion_dismiss
from tests.factories import UserFactory
from tests.issues.factories import IssueFactory, TriageSuggestionFactory
from tests.issues.services.test_concurrency import _run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_of_an_accept_and_a_dismiss_at_once_one_wins_and_the_other_is_already_decided():
    issue = IssueFactory(priority="medium", priority_set_by_human=True)
    suggestion = TriageSuggestionFactory(issue=issue, kind=SuggestionKind.PRIORITY, value={"priority": "high"})
    ana, bo = UserFactory(), UserFactory()
    decide = [
        lambda: suggestion_accept(suggestion=suggestion, user=ana),
        lambda: suggestion_dismiss(suggestion=suggestion, user=bo),
    ]

    outcomes = _run_together(2, lambda i: decide[i]())

    refused = [outcome for outcome in outcomes if isinstance(outcome, ApplicationError)]
    assert [error.type for error in refused] == ["already_decided"]
    decided = TriageSuggestion.objects.get(pk=suggestion.pk)
    # The issue is as the winner left it: accepted, the priority moved; dismissed, it did not.
    assert Issue.objects.get(pk=issue.pk).priority == {"accepted": "high", "dismissed": "medium"}[decided.state]
    assert Activity.objects.filter(issue=issue, field="triage_suggestion").count() == 1
