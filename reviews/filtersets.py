"""API filters of the reviews app (django-filter)."""

import django_filters
from django_filters import FilterSet

from reviews.choices import PullRequestState
from reviews.models import PullRequest


class PullRequestFilterSet(FilterSet):
    state = django_filters.ChoiceFilter(choices=PullRequestState.choices)

    class Meta:
        model = PullRequest
        fields = ["repository", "state", "project"]
