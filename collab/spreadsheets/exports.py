"""Export use cases of the Excel engine: registers, templates and the dossier, in the
request or as a background job with progress."""

from __future__ import annotations

import tempfile
from functools import partial

from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.masking import names_masked

from . import registry as r
from .forms import VERSION_KEY, write_form
from .models import ExportJob, ExportStatus
from .progress import Progress
from .responses import params_from_json, params_to_json
from .services import _scope_fields, sheet_for
from .workbook import new_workbook, write_key_values, write_meta, write_sheet


# Export
def export_rows_count(sheet: r.Sheet, queryset) -> int:
    return queryset.count()


def export_meta(sheet: r.Sheet, requirement=None) -> dict[str, str]:
    return {
        "register": sheet.key,
        "requirement": requirement.number if requirement is not None else "",
        "exported_at": timezone.now().isoformat(timespec="seconds"),
    }


def export_layout(sheet: r.Sheet, requested: str, *, single: bool) -> str:
    """`form` (the paper template's field/value form of one record) or `rows` (one row
    per record). By default one requirement's record is laid out as its sheet prints it
    (templates 1 and 4 as forms); several records always as rows. Http404 for a layout
    the sheet does not have."""
    if requested not in ("", "rows", "form") or (
        requested == "form" and not (sheet.form and single)
    ):
        raise Http404
    if requested:
        return requested
    return sheet.layout if single and sheet.form else "rows"


def _write_form(workbook, sheet: r.Sheet, queryset, meta: dict, requirement=None) -> int:
    """One record's form (a blank form when there is none); its row version goes into
    the hidden sheet's `meta`."""
    record = next(iter(sheet.export_rows(queryset)), None)
    number = requirement.number if requirement is not None else ""
    version = write_form(workbook, sheet, record, number=number)
    if version:
        meta[VERSION_KEY % sheet.key] = version
    return int(record is not None)


def write_register(
    sheet: r.Sheet, queryset, target, *, progress=None, requirement=None, layout="rows"
) -> int:
    """The register as an .xlsx carrying row versions, so a re-import can tell edits in
    the file from newer edits in Collab."""
    workbook = new_workbook()
    meta = export_meta(sheet, requirement)
    if layout == "form":
        count = _write_form(workbook, sheet, queryset, meta, requirement)
    else:
        count = write_sheet(
            workbook, sheet, sheet.export_rows(queryset), progress=progress, versions=True
        )
    write_meta(workbook, meta)
    workbook.save(target)
    return count


def write_template(sheet: r.Sheet, target, layout: str = "rows") -> None:
    workbook = new_workbook()
    if layout == "form":
        write_form(workbook, sheet, None)
    else:
        write_sheet(workbook, sheet, [])
    workbook.save(target)


def write_dossier(requirement, user, target) -> None:
    """协作档案: a summary sheet, then one sheet per template in the templates' order;
    templates 1 and 4 as the paper forms, 2 and 3 as registers."""
    workbook = new_workbook()
    requirement_sheet = r.scope_sheet()
    summary = list(requirement_sheet.summary(requirement)) if requirement_sheet else []
    parts = []
    for sheet in r.sheets(scoped=True):
        queryset = sheet.export_queryset(user, {}, requirement=requirement)
        parts.append((sheet, queryset))
        summary.append((sheet.title, _("%(n)d 行") % {"n": queryset.count()}))
    summary.append((_("导出人"), user.label))
    summary.append((_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")))
    write_key_values(workbook, _("汇总"), summary)
    meta = {**export_meta(requirement_sheet, requirement), "register": ""}
    for sheet, queryset in parts:
        if sheet.layout == "form":
            _write_form(workbook, sheet, queryset, meta, requirement)
        else:
            write_sheet(workbook, sheet, sheet.export_rows(queryset), versions=True)
    write_meta(workbook, meta)
    workbook.save(target)


def export_start(*, actor, register: str, params: dict, file_format: str, requirement=None):
    """Queue a background export; the page polls ExportJob.progress()."""
    sheet = sheet_for(register, scoped=sheet_is_scoped(register))
    total = sheet.export_queryset(actor, params, requirement=requirement).count()
    job = ExportJob.objects.create(
        register=register,
        file_format=file_format,
        params=params_to_json(params),
        created_by=actor,
        total_rows=total,
        **_scope_fields(requirement),
    )
    from .tasks import export_task

    transaction.on_commit(partial(export_task.delay, job.pk))
    return job


def sheet_is_scoped(register: str) -> bool:
    sheet = r.get_sheet(register)
    return bool(sheet and sheet.scoped)


def export_run(*, job: ExportJob) -> ExportJob:
    """Write the job's file (the Celery task's body)."""
    from .csvfile import csv_bytes_iter

    sheet = r.get_sheet(job.register)
    requirement = job.scope if job.object_id else None
    job.status = ExportStatus.RUNNING
    job.save(update_fields=["status"])
    params = params_from_json(job.params)
    queryset = sheet.export_queryset(job.created_by, params, requirement=requirement)
    tracker = Progress(ExportJob, job.pk, job.total_rows)

    def progress(done: int) -> None:
        tracker.done = done
        tracker.write()

    with tempfile.TemporaryFile() as handle, names_masked(job.created_by.mask_names):
        if job.file_format == "csv":
            for chunk in csv_bytes_iter(sheet, sheet.export_rows(queryset)):
                handle.write(chunk)
        else:
            write_register(sheet, queryset, handle, progress=progress, requirement=requirement)
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        job.file.save(f"{job.register}-{stamp}.{job.file_format}", File(handle), save=False)
    job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.progress_done = job.total_rows
    job.save(update_fields=["status", "file", "finished_at", "progress_done"])
    return job


def export_fail(*, job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(status=ExportStatus.FAILED, message=message)
