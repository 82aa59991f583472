"""POST /api/issues/import/: CSV upload, size-limited while it streams in."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.api.errors import ApplicationError
from issues.actors import Actor
from issues.api import examples
from issues.api.strict import StrictSerializerMixin
from issues.selectors import project_by_ref
from issues.services.imports import issues_import_csv


class SizeLimitedUpload(FileUploadHandler):
    """Stops reading an upload as soon as it passes `limit` bytes (before it is all on disk)."""

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8, first row names the columns.")
    project = serializers.CharField(max_length=20, help_text="Project id or key.")
    create_missing_labels = serializers.BooleanField(default=False)


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Data rows read (blank lines not counted).")
    created = serializers.ListField(child=serializers.DictField(), help_text="{row, id, key} per created issue.")
    skipped = serializers.ListField(child=serializers.DictField(), help_text="Rows imported before or repeated.")
    errors = ImportRowErrorSerializer(many=True)
    ignored_columns = serializers.ListField(child=serializers.CharField())


class IssueImportMixin:
    def initialize_request(self, request, *args, **kwargs):
        if getattr(self, "action_map", {}).get(request.method.lower()) == "import_csv":
            self.upload_limit = SizeLimitedUpload(settings.ISSUE_IMPORT_MAX_BYTES, request)
            request.upload_handlers.insert(0, self.upload_limit)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        summary="Import issues from CSV",
        description=(
            "Columns (header row, any order, case-insensitive): title (required), body or description, "
            "status, priority, type, assignee (username or email), labels (separated by , ; or |), "
            "external_id. Row numbers count the header as row 1. Rows with bad values are reported in "
            "`errors` and skipped; the others are created. Importing the same rows again creates nothing "
            "(keyed by external_id, else by content). A file that is not UTF-8, not well-formed CSV, "
            "larger than ISSUE_IMPORT_MAX_BYTES or longer than ISSUE_IMPORT_MAX_ROWS is refused whole (400)."
        ),
        request={"multipart/form-data": ImportSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(description="`invalid_csv`, `file_too_large`, `unknown_project`, validation"),
        },
        examples=[examples.IMPORT_REPORT],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ImportSerializer,
    )
    def import_csv(self, request):
        data = request.data
        limit = getattr(self, "upload_limit", None)
        if limit is not None and limit.exceeded:
            raise ApplicationError(
                f"The file is larger than {limit.limit} bytes.", type="file_too_large", max_bytes=limit.limit
            )
        serializer = ImportSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        project = project_by_ref(serializer.validated_data["project"])
        upload = serializer.validated_data["file"]
        upload.seek(0)
        report = issues_import_csv(
            project=project,
            stream=upload.file,
            actor=Actor.of_user(request.user),
            create_missing_labels=serializer.validated_data["create_missing_labels"],
        )
        return Response(report.as_dict())
