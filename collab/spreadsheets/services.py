"""Use cases of the spreadsheet engine: upload -> check (preview) -> confirm, and exports.

Every row is written through the register's own services (Sheet.apply); the preview is
a dry run of exactly those writes inside a transaction that is rolled back."""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.core.transitions import TransitionBlocked

from . import registry as r
from .cells import CellError, Directory, is_blank, parse_cell, text
from .conf import limit
from .models import ExportJob, ExportStatus, ImportBatch, ImportRow, ImportStatus, RowAction
from .responses import params_from_json, params_to_json
from .safety import UploadRejected, check_upload
from .workbook import new_workbook, read_sheet, write_key_values, write_sheet

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 100


class _DryRun(Exception):
    """Raised to roll back the preview's trial writes."""


def _scope_fields(requirement) -> dict:
    if requirement is None:
        return {"content_type": None, "object_id": None}
    return {
        "content_type": ContentType.objects.get_for_model(requirement),
        "object_id": requirement.pk,
    }


def _json_value(value):
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def sheet_for(register: str, *, scoped: bool) -> r.Sheet:
    sheet = r.get_sheet(register)
    if sheet is None or sheet.scoped != scoped:
        raise ValidationError({"register": [_("未知的登记表：%(name)s") % {"name": register}]})
    return sheet


# Import
@transaction.atomic
def import_upload(*, actor, register: str, upload, requirement=None) -> ImportBatch:
    """Vet and read the file, store its rows and check them (preview). A refused file
    raises ValidationError({"file": ...}) and nothing is stored."""
    sheet = sheet_for(register, scoped=requirement is not None)
    if actor.is_partner and requirement is None:
        raise PermissionDenied(_("外部合作伙伴不能导入需求登记表"))
    name = Path(getattr(upload, "name", "") or "upload.xlsx").name
    try:
        check_upload(upload, name=name)
        count, rows = read_sheet(upload, sheet)
    except UploadRejected as error:
        raise ValidationError({"file": [error.message]}, code=error.code) from error
    if not count:
        raise ValidationError({"file": [_("文件中没有数据行")]}, code="empty")
    upload.seek(0)
    batch = ImportBatch(
        register=register,
        original_name=name[:255],
        created_by=actor,
        total_rows=count,
        **_scope_fields(requirement),
    )
    batch.file.save(f"{register}.xlsx", File(upload, name=name), save=False)
    batch.save()
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                batch=batch,
                row=number,
                values={key: _json_value(value) for key, value in values.items()},
            )
            for number, values in rows
        ],
        batch_size=1000,
    )
    if count > limit("SPREADSHEET_ASYNC_IMPORT_ROWS"):
        from .tasks import import_check_task

        transaction.on_commit(partial(import_check_task.delay, batch.pk))
    else:
        import_check(batch=batch)
    return batch


def _row_errors(sheet: r.Sheet, error: ValidationError) -> list[r.RowError]:
    found = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            column = sheet.column_for_field(field)
            header = column.header if column else ""
            found.extend(r.RowError(header, str(m)) for m in messages)
    else:
        found.extend(r.RowError("", str(m)) for m in error.messages)
    return found


def _parse(sheet: r.Sheet, row: ImportRow, directory: Directory) -> r.ParsedRow:
    parsed = r.ParsedRow(row=row.row, values={})
    for column in sheet.columns:
        raw = row.values.get(column.key)
        if is_blank(raw) and column.required:
            parsed.errors.append(r.RowError(column.header, _("不能为空")))
        try:
            parsed.values[column.key] = parse_cell(
                column, None if is_blank(raw) else raw, directory
            )
        except CellError as error:
            parsed.errors.append(r.RowError(column.header, str(error)))
            parsed.values[column.key] = None
    return parsed


def _run_rows(
    sheet: r.Sheet, rows: list[ImportRow], context: dict, progress: Callable[[int], None]
) -> list[r.ParsedRow]:
    """Parse, check and write every row, each in its own savepoint; collects messages."""
    directory = context["directory"]
    seen: dict[str, int] = {}
    results = []
    for index, row in enumerate(rows, start=1):
        parsed = _parse(sheet, row, directory)
        if sheet.match_column:
            column = sheet.column(sheet.match_column)
            parsed.key = text(row.values.get(column.key))[:64]
            if parsed.key in seen:
                parsed.errors.append(
                    r.RowError(
                        column.header,
                        _("“%(key)s”在文件中重复（第 %(row)d 行已出现）")
                        % {"key": parsed.key, "row": seen[parsed.key]},
                    )
                )
            elif parsed.key:
                seen[parsed.key] = row.row
        if not parsed.errors:
            sheet.check(parsed, context)
        if not parsed.errors:
            existing = sheet.existing(parsed.values, context)
            try:
                with transaction.atomic():
                    notes = sheet.apply(parsed.values, existing, context)
            except ValidationError as error:
                parsed.errors.extend(_row_errors(sheet, error))
            except TransitionBlocked as error:
                parsed.errors.append(r.RowError("", str(error)))
            except PermissionDenied as error:
                parsed.errors.append(r.RowError("", str(error) or _("您没有权限写入该行")))
            else:
                parsed.action = RowAction.UPDATE if existing is not None else RowAction.CREATE
                parsed.warnings.extend(notes if isinstance(notes, list) else [])
        results.append(parsed)
        if index % PROGRESS_EVERY == 0:
            progress(index)
    return results


def _context(sheet: r.Sheet, batch: ImportBatch, actor) -> dict:
    requirement = batch.scope if batch.object_id else None
    context = sheet.import_context(actor=actor, requirement=requirement)
    context.update(actor=actor, requirement=requirement, directory=Directory())
    return context


def _progress(batch: ImportBatch) -> Callable[[int], None]:
    return lambda done: cache.set(batch.progress_key, done, timeout=3600)


def import_check(*, batch: ImportBatch) -> ImportBatch:
    """Dry-run every row and store the preview (action, errors, warnings per row)."""
    sheet = r.get_sheet(batch.register)
    rows = list(batch.rows.all())
    results: list[r.ParsedRow] = []
    try:
        with transaction.atomic():
            results = _run_rows(
                sheet, rows, _context(sheet, batch, batch.created_by), _progress(batch)
            )
            raise _DryRun
    except _DryRun:
        pass
    by_row = {parsed.row: parsed for parsed in results}
    for row in rows:
        parsed = by_row[row.row]
        row.key = parsed.key
        row.action = parsed.action
        row.errors = [e.as_dict() for e in parsed.errors]
        row.warnings = [w.as_dict() for w in parsed.warnings]
    with transaction.atomic():
        ImportRow.objects.bulk_update(
            rows, ["key", "action", "errors", "warnings"], batch_size=1000
        )
        batch.error_rows = sum(1 for row in rows if row.errors)
        batch.warning_rows = sum(1 for row in rows if row.warnings)
        batch.create_rows = sum(1 for row in rows if row.action == RowAction.CREATE)
        batch.update_rows = sum(1 for row in rows if row.action == RowAction.UPDATE)
        batch.status = ImportStatus.INVALID if batch.error_rows else ImportStatus.PREVIEW
        batch.message = (
            _("共 %(n)d 行有错误，请修改文件后重新上传") % {"n": batch.error_rows}
            if batch.error_rows
            else ""
        )
        batch.save()
    cache.delete(batch.progress_key)
    return batch


def can_use_batch(user, batch: ImportBatch) -> bool:
    return bool(user.is_authenticated and (user.is_staff or batch.created_by_id == user.pk))


@transaction.atomic
def import_confirm(*, batch: ImportBatch, actor) -> ImportBatch:
    """Apply a checked batch; large batches go to the background job."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not can_use_batch(actor, batch):
        raise PermissionDenied(_("只有上传人可以确认该导入"))
    if batch.status != ImportStatus.PREVIEW or batch.error_rows:
        raise TransitionBlocked(
            [
                _("预览中有错误，不能导入；请修改文件后重新上传")
                if batch.error_rows or batch.status == ImportStatus.INVALID
                else _("该批次当前状态“%(status)s”，不能确认导入")
                % {"status": batch.get_status_display()}
            ]
        )
    batch.status = ImportStatus.APPLYING
    batch.save(update_fields=["status"])
    if batch.total_rows > limit("SPREADSHEET_ASYNC_IMPORT_ROWS"):
        from .tasks import import_apply_task

        transaction.on_commit(partial(import_apply_task.delay, batch.pk, actor.pk))
        return batch
    return import_apply(batch=batch, actor=actor)


def import_apply(*, batch: ImportBatch, actor) -> ImportBatch:
    """Write every row in one transaction: all rows or none."""
    sheet = r.get_sheet(batch.register)
    rows = list(batch.rows.all())
    results: list[r.ParsedRow] = []
    failed = False
    try:
        with transaction.atomic():
            results = _run_rows(sheet, rows, _context(sheet, batch, actor), _progress(batch))
            if any(parsed.errors for parsed in results):
                raise _DryRun
    except _DryRun:
        failed = True
    cache.delete(batch.progress_key)
    if failed:
        by_row = {parsed.row: parsed for parsed in results}
        for row in rows:
            row.errors = [e.as_dict() for e in by_row[row.row].errors]
            row.action = by_row[row.row].action
        ImportRow.objects.bulk_update(rows, ["errors", "action"], batch_size=1000)
        batch.error_rows = sum(1 for row in rows if row.errors)
        batch.status = ImportStatus.FAILED
        batch.message = _("数据在预览后发生了变化，%(n)d 行无法写入，未导入任何数据") % {
            "n": batch.error_rows
        }
    else:
        batch.status = ImportStatus.DONE
        batch.applied_at = timezone.now()
        batch.message = _("已导入 %(n)d 行（新增 %(c)d，更新 %(u)d）") % {
            "n": len(rows),
            "c": sum(1 for p in results if p.action == RowAction.CREATE),
            "u": sum(1 for p in results if p.action == RowAction.UPDATE),
        }
    batch.save(update_fields=["status", "applied_at", "message", "error_rows"])
    return batch


def import_fail(*, batch_id: int, message: str) -> None:
    """Record an unexpected failure of a background step (the job never raises to 500)."""
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.FAILED, message=message)


# Export
def export_rows_count(sheet: r.Sheet, queryset) -> int:
    return queryset.count()


def write_register(sheet: r.Sheet, queryset, target, *, progress=None) -> int:
    workbook = new_workbook()
    count = write_sheet(workbook, sheet, sheet.export_rows(queryset), progress=progress)
    workbook.save(target)
    return count


def write_template(sheet: r.Sheet, target) -> None:
    workbook = new_workbook()
    write_sheet(workbook, sheet, [])
    workbook.save(target)


def write_dossier(requirement, user, target) -> None:
    """协作档案: a summary sheet, then one sheet per template, in the templates' order."""
    workbook = new_workbook()
    requirement_sheet = r.scope_sheet()
    summary = list(requirement_sheet.summary(requirement)) if requirement_sheet else []
    parts = []
    for sheet in r.sheets():
        queryset = sheet.export_queryset(user, {}, requirement=requirement)
        parts.append((sheet, queryset))
        summary.append((sheet.title, _("%(n)d 行") % {"n": queryset.count()}))
    summary.append((_("导出人"), user.label))
    summary.append((_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")))
    write_key_values(workbook, _("汇总"), summary)
    for sheet, queryset in parts:
        write_sheet(workbook, sheet, sheet.export_rows(queryset))
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
    from .workbook import csv_bytes_iter

    sheet = r.get_sheet(job.register)
    requirement = job.scope if job.object_id else None
    job.status = ExportStatus.RUNNING
    job.save(update_fields=["status"])
    params = params_from_json(job.params)
    queryset = sheet.export_queryset(job.created_by, params, requirement=requirement)
    progress = partial(cache.set, job.progress_key, timeout=3600)
    with tempfile.TemporaryFile() as handle:
        if job.file_format == "csv":
            for chunk in csv_bytes_iter(sheet, sheet.export_rows(queryset)):
                handle.write(chunk)
        else:
            write_register(sheet, queryset, handle, progress=progress)
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        job.file.save(f"{job.register}-{stamp}.{job.file_format}", File(handle), save=False)
    job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "file", "finished_at"])
    cache.delete(job.progress_key)
    return job


def export_fail(*, job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(status=ExportStatus.FAILED, message=message)
