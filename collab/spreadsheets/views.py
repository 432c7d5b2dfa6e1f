"""Pages: export and template downloads, upload -> preview -> confirm, job progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.transitions import TransitionBlocked

from . import exports, services
from . import registry as r
from .conf import limit
from .models import ExportJob, ExportStatus, ImportBatch, ImportStatus, RowAction
from .responses import csv_response, filename, filter_params, xlsx_response
from .scope import batch_visible, job_visible, requirement_or_404

PREVIEW_ROWS = 200  # rows per preview page


def _sheet_or_404(register: str) -> r.Sheet:
    sheet = r.get_sheet(register)
    if sheet is None:
        raise Http404
    return sheet


def _recent_batches(user, requirement=None):
    qs = ImportBatch.objects.filter(created_by=user).select_related("created_by")
    if requirement is not None:
        qs = qs.filter(object_id=requirement.pk, content_type__model="requirement")
    else:
        qs = qs.filter(object_id__isnull=True)
    return qs[:10]


@login_required
def index_view(request):
    """Requirement register (template 1): export with the list's filters, template, import."""
    sheet = r.scope_sheet()
    if sheet is None:
        raise Http404
    return render(
        request,
        "spreadsheets/index.html",
        {
            "sheet": sheet,
            "query": request.GET.urlencode(),
            "batches": _recent_batches(request.user),
            "can_import": not request.user.is_partner,
        },
    )


@login_required
def requirement_view(request, pk):
    """A requirement's 导入导出 tab: dossier, register exports, templates, imports."""
    requirement = requirement_or_404(request.user, pk)
    return render(
        request,
        "spreadsheets/requirement.html",
        {
            "requirement": requirement,
            "sheets": list(r.sheets(scoped=True)),
            "batches": _recent_batches(request.user, requirement),
        },
    )


@login_required
def export_view(request, register, fmt):
    sheet = _sheet_or_404(register)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    requirement = None
    if request.GET.get("requirement"):
        requirement = requirement_or_404(request.user, request.GET["requirement"])
    layout = exports.export_layout(
        sheet, request.GET.get("layout", ""), single=requirement is not None
    )
    params = filter_params(request.GET)
    try:
        queryset = sheet.export_queryset(request.user, params, requirement=requirement)
    except ValidationError as error:  # a filter value the list refuses too
        messages.error(request, "；".join(error.messages))
        return redirect("spreadsheets:index")
    if queryset.count() > limit("SPREADSHEET_ASYNC_EXPORT_ROWS"):
        job = exports.export_start(
            actor=request.user,
            register=register,
            params=params,
            file_format=fmt,
            requirement=requirement,
        )
        return redirect("spreadsheets:job", pk=job.pk)
    if fmt == "csv":
        return csv_response(sheet, queryset)
    return xlsx_response(
        filename(str(sheet.title), "xlsx"),
        lambda handle: exports.write_register(
            sheet, queryset, handle, requirement=requirement, layout=layout
        ),
    )


@login_required
def template_view(request, register):
    sheet = _sheet_or_404(register)
    layout = exports.export_layout(sheet, request.GET.get("layout", ""), single=True)
    return xlsx_response(
        f"{sheet.title}-模板.xlsx", lambda handle: exports.write_template(sheet, handle, layout)
    )


@login_required
def dossier_view(request, pk):
    requirement = requirement_or_404(request.user, pk)
    return xlsx_response(
        f"{requirement.number}-协作档案.xlsx",
        lambda handle: exports.write_dossier(requirement, request.user, handle),
    )


@login_required
@require_POST
def upload_view(request):
    register = request.POST.get("register", "")
    requirement = None
    back = redirect("spreadsheets:index")
    if request.POST.get("requirement"):
        requirement = requirement_or_404(request.user, request.POST["requirement"])
        back = redirect("spreadsheets:requirement", pk=requirement.pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件（.xlsx、.xls、.ods 或 .csv）"))
        return back
    try:
        batch = services.import_upload(
            actor=request.user, register=register, upload=upload, requirement=requirement
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return back
    except PermissionDenied as error:
        messages.error(request, str(error) or _("您没有导入权限"))
        return back
    return redirect("spreadsheets:batch", pk=batch.pk)


def _batch_or_404(request, pk) -> ImportBatch:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    if not batch_visible(request.user, batch):
        raise Http404
    return batch


# Errors and conflicts first, then the rows that change something, then the rest.
ACTION_ORDER = Case(
    When(action=RowAction.ERROR, then=Value(0)),
    When(action=RowAction.CONFLICT, then=Value(1)),
    When(action=RowAction.CREATE, then=Value(2)),
    When(action=RowAction.UPDATE, then=Value(2)),
    default=Value(3),
)
ACTION_FILTERS = {
    "problems": [RowAction.ERROR, RowAction.CONFLICT],
    "changes": [RowAction.CREATE, RowAction.UPDATE],
    "unchanged": [RowAction.UNCHANGED],
}


@login_required
def batch_view(request, pk):
    """The diff preview: every row reachable page by page, problems first; unchanged
    rows are only counted unless asked for."""
    batch = _batch_or_404(request, pk)
    requirement = batch.scope if batch.object_id else None
    sheet = _sheet_or_404(batch.register)
    shown = request.GET.get("show", "")
    rows = batch.rows.annotate(rank=ACTION_ORDER).order_by("rank", "row")
    if shown in ACTION_FILTERS:
        rows = rows.filter(action__in=ACTION_FILTERS[shown])
    else:
        rows = rows.exclude(action=RowAction.UNCHANGED)
    page = Paginator(rows, PREVIEW_ROWS).get_page(request.GET.get("page"))
    return render(
        request,
        "spreadsheets/batch.html",
        {
            "batch": batch,
            "sheet": sheet,
            "page": page,
            "shown": shown,
            "requirement": requirement,
            "running": batch.status in (ImportStatus.CHECKING, ImportStatus.APPLYING),
        },
    )


@login_required
def batch_progress_view(request, pk):
    batch = _batch_or_404(request, pk)
    response = render(request, "spreadsheets/_batch_progress.html", {"batch": batch})
    if batch.status not in (ImportStatus.CHECKING, ImportStatus.APPLYING):
        # htmx: reload the page once to show the finished preview or result.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def confirm_view(request, pk):
    batch = _batch_or_404(request, pk)
    chosen = [int(n) for n in request.POST.getlist("take_file") if n.isdigit()]
    try:
        batch = services.import_confirm(batch=batch, actor=request.user, take_file=chosen)
    except (TransitionBlocked, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        if batch.status == ImportStatus.DONE:
            messages.success(request, batch.message)
        elif batch.status in (ImportStatus.FAILED, ImportStatus.PREVIEW, ImportStatus.INVALID):
            messages.error(request, batch.message)
    return redirect("spreadsheets:batch", pk=batch.pk)


def _job_or_404(request, pk) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk)
    if not job_visible(request.user, job):
        raise Http404
    return job


@login_required
def job_view(request, pk):
    job = _job_or_404(request, pk)
    return render(
        request, "spreadsheets/job.html", {"job": job, "sheet": r.get_sheet(job.register)}
    )


@login_required
def job_progress_view(request, pk):
    job = _job_or_404(request, pk)
    response = render(request, "spreadsheets/_job_progress.html", {"job": job})
    if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        response["HX-Refresh"] = "true"
    return response


@login_required
def job_download_view(request, pk):
    job = _job_or_404(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    sheet = r.get_sheet(job.register)
    title = str(sheet.title) if sheet else job.register
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=filename(title, job.file_format)
    )
