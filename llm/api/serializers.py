from rest_framework import serializers

from llm.models import LLMCall


class LLMCallSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    total_tokens = serializers.IntegerField(read_only=True)

    class Meta:
        model = LLMCall
        fields = [
            "id",
            "created_at",
            "purpose",
            "model",
            "outcome",
            "attempt",
            "subject_type",
            "subject_id",
            "request_hash",
            "prompt_tokens",
            "completion_tokens",
            "cached_tokens",
            "total_tokens",
            "cost_usd",
            "latency_ms",
            "status_code",
            "error_type",
            "error_message",
            "provider_request_id",
            "cache_source",
        ]

    def get_subject_type(self, call) -> str | None:
        return f"{call.subject_type.app_label}.{call.subject_type.model}" if call.subject_type_id else None


class LLMCallDetailSerializer(LLMCallSerializer):
    class Meta(LLMCallSerializer.Meta):
        fields = [*LLMCallSerializer.Meta.fields, "prompt", "reply", "payload_pruned_at"]


class UsageQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    purpose = serializers.CharField(required=False, default="")
    model = serializers.CharField(required=False, default="")

    def validate(self, data):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError({"since": "since must not be after until."})
        return data


class UsageRowSerializer(serializers.Serializer):
    day = serializers.DateField(required=False)
    purpose = serializers.CharField(required=False)
    model = serializers.CharField(required=False)
    calls = serializers.IntegerField()
    cache_hits = serializers.IntegerField()
    errors = serializers.IntegerField()
    cache_hit_rate = serializers.FloatField()
    error_rate = serializers.FloatField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    cached_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    cost_usd = serializers.DecimalField(max_digits=14, decimal_places=6)
    latency_p50_ms = serializers.FloatField(allow_null=True)
    latency_p95_ms = serializers.FloatField(allow_null=True)


class UsageSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = UsageRowSerializer()
    results = UsageRowSerializer(many=True)
