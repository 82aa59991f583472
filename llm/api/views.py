from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser

from config.api.pagination import PageNumberPagination
from llm import selectors
from llm.api.serializers import (
    LLMCallDetailSerializer,
    LLMCallSerializer,
    UsageQuerySerializer,
    UsageRowSerializer,
    UsageSerializer,
)
from llm.filtersets import LLMCallFilterSet
from llm.models import LLMCall

USAGE_DEFAULT_DAYS = 30


class LLMCallViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff: the ledger of LLM calls, newest first; the detail includes prompt and reply."""

    permission_classes = [IsAdminUser]
    queryset = LLMCall.objects.select_related("subject_type")
    filterset_class = LLMCallFilterSet
    ordering_fields = ["created_at", "latency_ms", "cost_usd"]

    def get_serializer_class(self):
        return LLMCallDetailSerializer if self.action == "retrieve" else LLMCallSerializer


class LLMUsageViewSet(viewsets.ViewSet):
    """Staff: `/api/llm/usage/`, the ledger's totals."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="first day (YYYY-MM-DD), default 30 days ago"),
            OpenApiParameter("until", str, description="last day (YYYY-MM-DD), default today"),
            OpenApiParameter("purpose", str),
            OpenApiParameter("model", str),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=UsageSerializer,
    )
    @action(detail=False, methods=["get"])
    def usage(self, request):
        """Staff: LLM usage per day, purpose and model (calls, tokens, cost, cache hit rate, error
        rate, p50/p95 latency of provider calls), with totals. Default: the last 30 days."""
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = query.validated_data.get("until") or timezone.localdate()
        since = query.validated_data.get("since") or until - timedelta(days=USAGE_DEFAULT_DAYS - 1)
        usage = selectors.llm_usage(
            since=since, until=until, purpose=query.validated_data["purpose"], model=query.validated_data["model"]
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(usage["rows"], request, view=self)
        response = paginator.get_paginated_response(UsageRowSerializer(page, many=True).data)
        response.data["since"] = since
        response.data["until"] = until
        response.data["totals"] = UsageRowSerializer(usage["totals"]).data
        return response
