"""REST endpoints of the Excel round trip (paths per DESIGN.md, mounted in
collab/api_urls.py before the router so `<register>/export.xlsx` is not read as a pk)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from collab.core import serializers

from . import exports, services
from . import registry as r
from .conf import limit
from .models import ExportJob, ExportStatus, ImportBatch, ImportRow, ImportStatus
from .responses import XLSX, csv_response, filename, filter_params, xlsx_response
from .scope import batch_visible, job_visible, requirement_or_404


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    conflict = serializers.BooleanField(required=False)
    clears = serializers.BooleanField(required=False)


class ImportRowSerializer(serializers.ModelSerializer):
    changes = ChangeSerializer(many=True, read_only=True)

    class Meta:
        model = ImportRow
        fields = ["row", "action", "key", "changes", "take_file", "errors", "warnings"]


class ConfirmSerializer(serializers.Serializer):
    take_file = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="row numbers of conflicts for which the file's values are applied",
    )


class FileErrorSerializer(serializers.Serializer):
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    valid = serializers.BooleanField(read_only=True)
    progress = serializers.IntegerField(read_only=True)
    requirement = serializers.IntegerField(source="object_id", read_only=True, allow_null=True)
    from_export = serializers.BooleanField(read_only=True)
    file_errors = FileErrorSerializer(
        many=True,
        read_only=True,
        help_text="problems of the file as a whole (headers or form fields, another "
        "requirement's file); shown with the rows' own errors, the batch cannot be confirmed",
    )
    rows = ImportRowSerializer(many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "register",
            "requirement",
            "original_name",
            "status",
            "valid",
            "progress",
            "message",
            "total_rows",
            "file_format",
            "from_export",
            "create_rows",
            "update_rows",
            "unchanged_rows",
            "conflict_rows",
            "error_rows",
            "warning_rows",
            "file_errors",
            "created_at",
            "applied_at",
            "rows",
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    register = serializers.CharField(max_length=32)


class ExportJobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "register", "file_format", "status", "progress", "total_rows", "message"]
        fields += ["created_at", "finished_at", "download_url"]

    def get_download_url(self, job) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(f"/api/v1/exports/{job.pk}/download/")


def _batch_response(request, batch: ImportBatch, code: int) -> Response:
    batch = ImportBatch.objects.prefetch_related("rows").get(pk=batch.pk)
    data = ImportBatchSerializer(batch, context={"request": request}).data
    return Response(data, status=code)


def _upload(request, requirement=None) -> Response:
    body = UploadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    batch = services.import_upload(
        actor=request.user,
        register=body.validated_data["register"],
        upload=body.validated_data["file"],
        requirement=requirement,
    )
    code = status.HTTP_202_ACCEPTED if batch.status == ImportStatus.CHECKING else 201
    return _batch_response(request, batch, code)


UPLOAD_REQUEST = {"multipart/form-data": UploadSerializer}
UPLOAD_RESPONSES = {
    201: OpenApiResponse(ImportBatchSerializer, description="Checked: the preview"),
    202: OpenApiResponse(
        ImportBatchSerializer, description="A large file: checked in the background (poll it)"
    ),
}


class RequirementImportView(APIView):
    parser_classes = [MultiPartParser]  # a file upload: the one multipart endpoint kind

    @extend_schema(request=UPLOAD_REQUEST, responses=UPLOAD_RESPONSES)
    def post(self, request, pk):
        """Upload tasks / risks / review into a requirement; answers the preview."""
        return _upload(request, requirement_or_404(request.user, pk))


class ImportCreateView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request=UPLOAD_REQUEST, responses=UPLOAD_RESPONSES)
    def post(self, request):
        """Bulk import of the requirement register (register=requirements)."""
        return _upload(request)


def _batch_or_404(request, pk) -> ImportBatch:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch_visible(request.user, batch):
        raise Http404
    return batch


class ImportDetailView(APIView):
    @extend_schema(responses=ImportBatchSerializer)
    def get(self, request, pk):
        return _batch_response(request, _batch_or_404(request, pk), status.HTTP_200_OK)


class ImportConfirmView(APIView):
    @extend_schema(
        request=ConfirmSerializer,
        responses={
            200: OpenApiResponse(ImportBatchSerializer, description="Applied"),
            202: OpenApiResponse(
                ImportBatchSerializer, description="A large batch: applied in the background"
            ),
        },
    )
    def post(self, request, pk):
        """Apply the previewed changes in one transaction (409 when the preview had
        errors). Conflicts are skipped unless their row is listed in `take_file`."""
        batch = _batch_or_404(request, pk)
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.import_confirm(
            batch=batch, actor=request.user, take_file=body.validated_data["take_file"]
        )
        if batch.status in (ImportStatus.FAILED, ImportStatus.PREVIEW, ImportStatus.INVALID):
            # Failed, or the data changed since the preview: nothing was written.
            return Response(
                {"detail": batch.message, "id": batch.pk}, status=status.HTTP_409_CONFLICT
            )
        code = status.HTTP_202_ACCEPTED if batch.status == ImportStatus.APPLYING else 200
        return _batch_response(request, batch, code)


def _sheet_or_404(register: str) -> r.Sheet:
    sheet = r.get_sheet(register)
    if sheet is None:
        raise Http404
    return sheet


REGISTER_PARAMETER = OpenApiParameter(
    "register",
    str,
    OpenApiParameter.PATH,
    enum=["requirements", "requirement", "tasks", "risks", "review"],
    description="requirements (template 1, the register), requirement (template 1, one "
    "requirement's form), tasks (2), risks (3), review (4)",
)
LAYOUT_PARAMETER = OpenApiParameter(
    "layout",
    str,
    enum=["rows", "form"],
    description="form: the paper template's field/value form of one record (templates 1 "
    "and 4; the default for one requirement's `requirement` and `review`); rows: one row "
    "per record",
)
XLSX_RESPONSE = {(200, XLSX): OpenApiTypes.BINARY}


class RegisterExportView(APIView):
    @extend_schema(
        operation_id="register_export",
        parameters=[
            REGISTER_PARAMETER,
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["xlsx", "csv"]),
            OpenApiParameter("requirement", int, description="scope to one requirement"),
            LAYOUT_PARAMETER,
        ],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (202, "application/json"): ExportJobSerializer,
        },
    )
    def get(self, request, register, fmt):
        """The register with the list filters; large exports answer 202 with a job."""
        sheet = _sheet_or_404(register)
        if fmt not in ("xlsx", "csv"):
            raise Http404
        requirement = None
        if request.query_params.get("requirement"):
            requirement = requirement_or_404(request.user, request.query_params["requirement"])
        layout = exports.export_layout(
            sheet, request.query_params.get("layout", ""), single=requirement is not None
        )
        params = filter_params(request.query_params)
        queryset = sheet.export_queryset(request.user, params, requirement=requirement)
        if queryset.count() > limit("SPREADSHEET_ASYNC_EXPORT_ROWS"):
            job = exports.export_start(
                actor=request.user,
                register=register,
                params=params,
                file_format=fmt,
                requirement=requirement,
            )
            data = ExportJobSerializer(job, context={"request": request}).data
            return Response(data, status=status.HTTP_202_ACCEPTED)
        if fmt == "csv":
            return csv_response(sheet, queryset)
        return xlsx_response(
            filename(str(sheet.title), "xlsx"),
            lambda handle: exports.write_register(
                sheet, queryset, handle, requirement=requirement, layout=layout
            ),
        )


class RegisterTemplateView(APIView):
    @extend_schema(
        operation_id="register_template",
        parameters=[REGISTER_PARAMETER, LAYOUT_PARAMETER],
        responses=XLSX_RESPONSE,
    )
    def get(self, request, register):
        """The blank template: templates 1 (`requirement`) and 4 as the paper forms, the
        registers as a header row (`layout` chooses)."""
        sheet = _sheet_or_404(register)
        layout = exports.export_layout(sheet, request.query_params.get("layout", ""), single=True)
        return xlsx_response(
            f"{sheet.title}-模板.xlsx",
            lambda handle: exports.write_template(sheet, handle, layout),
        )


class DossierView(APIView):
    @extend_schema(operation_id="requirement_dossier", responses=XLSX_RESPONSE)
    def get(self, request, pk):
        """协作档案: summary sheet plus the four templates of one requirement."""
        requirement = requirement_or_404(request.user, pk)
        return xlsx_response(
            f"{requirement.number}-协作档案.xlsx",
            lambda handle: exports.write_dossier(requirement, request.user, handle),
        )


def _job_or_404(request, pk) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk)
    if not job_visible(request.user, job):
        raise Http404
    return job


class ExportJobView(APIView):
    @extend_schema(responses=ExportJobSerializer)
    def get(self, request, pk):
        job = _job_or_404(request, pk)
        return Response(ExportJobSerializer(job, context={"request": request}).data)


class ExportJobDownloadView(APIView):
    @extend_schema(
        operation_id="export_download",
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        from django.http import FileResponse

        job = _job_or_404(request, pk)
        if job.status != ExportStatus.DONE or not job.file:
            raise ValidationError({"detail": ["文件尚未生成"]})
        sheet = r.get_sheet(job.register)
        title = str(sheet.title) if sheet else job.register
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=filename(title, job.file_format)
        )


urlpatterns = [
    path("requirements/<int:pk>/dossier.xlsx", DossierView.as_view(), name="api-dossier"),
    path(
        "requirements/<int:pk>/imports/",
        RequirementImportView.as_view(),
        name="api-requirement-imports",
    ),
    path("imports/", ImportCreateView.as_view(), name="api-imports"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="api-import"),
    path("imports/<int:pk>/confirm/", ImportConfirmView.as_view(), name="api-import-confirm"),
    path("exports/<int:pk>/", ExportJobView.as_view(), name="api-export-job"),
    path(
        "exports/<int:pk>/download/",
        ExportJobDownloadView.as_view(),
        name="api-export-job-download",
    ),
    path("<slug:register>/export.<str:fmt>", RegisterExportView.as_view(), name="api-export"),
    path("<slug:register>/template.xlsx", RegisterTemplateView.as_view(), name="api-template"),
]


def register(router):
    """Explicit paths above instead of router entries (see module docstring)."""
