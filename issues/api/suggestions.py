"""Representations of triage suggestions, the bodies of deciding one, and the triage stats."""

from rest_framework import serializers

from config.api.strict import StrictSerializerMixin
from issues.models import TriageSuggestion
from issues.services.suggestions import DECISION_REASON_MAX


class TriageSuggestionSerializer(serializers.ModelSerializer):
    decided_by_username = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = TriageSuggestion
        fields = [
            "id",
            "issue",
            "run",
            "kind",
            "value",
            "why",
            "state",
            "decided_by",
            "decided_by_username",
            "decided_at",
            "decision_reason",
            "created_at",
            "comment",
            "github_post_state",
            "github_post_error",
        ]
        read_only_fields = fields


class SuggestionDismissSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=DECISION_REASON_MAX, allow_blank=True, required=False, default="", help_text="Why, in a few words."
    )


class SuggestionAcceptSerializer(SuggestionDismissSerializer):
    close = serializers.BooleanField(
        default=False, help_text="A duplicate only: also close the newer of the two issues."
    )
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The issue's version you read (optional); 409 if it is stale."
    )


class SuggestionDecisionSerializer(serializers.Serializer):
    """What deciding answers: the suggestion as decided and the issue as it is now."""

    suggestion = TriageSuggestionSerializer()
    issue = serializers.DictField(help_text="The issue, as GET /api/issues/{id}/ shows it without its runs.")


class TriageStatsQuerySerializer(serializers.Serializer):
    project = serializers.CharField(required=False, help_text="Project id or key.")
    since = serializers.DateTimeField(required=False, help_text="Decisions at or after (ISO 8601).")


class TriageStatsRowSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    project_key = serializers.CharField()
    field = serializers.ChoiceField(choices=["priority", "type", "labels", "duplicates"])
    decisions = serializers.IntegerField(help_text="applied + accepted + dismissed.")
    applied = serializers.IntegerField(help_text="Values triage set itself.")
    accepted = serializers.IntegerField(help_text="Suggestions a person accepted.")
    dismissed = serializers.IntegerField(help_text="Suggestions a person dismissed.")
    changed_by_hand = serializers.IntegerField(help_text="Applied values a person changed within a week.")
    accepted_share = serializers.FloatField()
    dismissed_share = serializers.FloatField()
    changed_by_hand_share = serializers.FloatField()
