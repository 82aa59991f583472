import django_filters
from django_filters import FilterSet

from config.jobs.state import JobState
from feedback.choices import AdjustmentState, AdjustmentType
from feedback.models import Adjustment, Feedback


class FeedbackFilterSet(FilterSet):
    state = django_filters.ChoiceFilter(choices=JobState.choices)
    date = django_filters.DateFilter(field_name="created_at", lookup_expr="date", help_text="Created on (YYYY-MM-DD).")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Feedback
        fields = ["project", "task", "state", "date", "created_after", "created_before"]


class AdjustmentFilterSet(FilterSet):
    type = django_filters.ChoiceFilter(choices=AdjustmentType.choices)
    state = django_filters.ChoiceFilter(choices=AdjustmentState.choices)
    project = django_filters.NumberFilter(field_name="feedback__project")

    class Meta:
        model = Adjustment
        fields = ["feedback", "project", "task", "type", "state"]
