"""Use cases of the spreadsheet engine: upload -> check (preview) -> confirm, and exports.

Each row of a file is compared with the record it matches: new, changed (field, old
value, new value), unchanged, or in conflict (changed both in the file and in Collab
since the export, told apart by the row versions an export carries). The new and
changed rows are then checked once, at preview, with the register's own rules: in
memory where the sheet offers it (Sheet.plan, whose result is stored with each row),
otherwise as a dry run of its services (Sheet.apply) rolled back. Confirming writes
exactly the changes shown, in one transaction: the stored plans in bulk (Sheet.write)
when nothing changed since the preview, or else the file is checked again and nothing
is written."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import Counter
from functools import partial
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.core.bulk import bulk_insert_rows, bulk_update_rows, collections_paused
from collab.core.transitions import TransitionBlocked

from . import registry as r
from .cells import Directory, text
from .conf import limit
from .diff import classify_row, current_records, row_errors
from .models import ImportBatch, ImportRow, ImportStatus, RowAction
from .progress import Progress
from .safety import UploadRejected, check_upload
from .workbook import read_table

logger = logging.getLogger(__name__)
PENDING = (RowAction.CREATE, RowAction.UPDATE, RowAction.CONFLICT)


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
def _identity_problems(sheet: r.Sheet, table, requirement) -> list[str]:
    """A file exported from (or naming) another requirement is not applied: the
    requirement named in the file, by its marker, a form's title or the identity
    columns, must be the one imported into."""
    if requirement is None:
        return []
    expected = sheet.identity(requirement)
    found: dict[str, set[str]] = {}
    for marker in (table.meta.get("requirement"), table.requirement_number):
        if marker and marker != requirement.number:
            found.setdefault("", set()).add(marker)
    for _number, values in table.rows:
        for key in expected:
            value = text(values.get(key))
            if value and not sheet.same_identity(key, value, expected[key]):
                found.setdefault(key, set()).add(value)
    problems: list[str] = []
    for key, values in found.items():
        problems.append(
            _(
                "该文件属于另一个需求（%(header)s：%(found)s），不能导入到 %(number)s"
                "“%(topic)s”。请在对应需求中导入，或使用本需求导出的文件。"
            )
            % {
                "header": sheet.column(key).header if key else _("需求编号"),
                "found": "、".join(sorted(values)),
                "number": requirement.number,
                "topic": requirement.topic,
            }
        )
    return list(dict.fromkeys(problems))  # the marker and a column may say the same


def _cell_errors(table, number: int, headers: dict[str, str]) -> list[dict]:
    """What the reader found wrong with the cells of one row (formulas, unreadable form
    fields) and its notes, stored with the row and shown in its preview."""
    found = [
        {
            "column": headers[key],
            "message": _("单元格 %(cell)s 是公式，请改为直接填写值后再上传") % {"cell": address},
        }
        for key, address in table.formulas.get(number, [])
    ]
    for column, message, warning in table.notes.get(number, []):
        found.append(
            {"column": column, "message": message, **({"warning": True} if warning else {})}
        )
    return found


@collections_paused()
def import_upload(*, actor, register: str, upload, requirement=None) -> ImportBatch:
    """Vet and read the file, store its rows and check them (preview). A refused file
    raises ValidationError({"file": ...}) and nothing is stored. The check runs after
    the rows are stored and committed (in this request, or the background job for a
    large file), so no transaction stays open while it reads."""
    sheet = sheet_for(register, scoped=requirement is not None)
    if actor.is_partner and requirement is None:
        raise PermissionDenied(_("外部合作伙伴不能导入需求登记表"))
    name = Path(getattr(upload, "name", "") or "upload.xlsx").name
    try:
        kind = check_upload(upload, name=name)
        table = read_table(upload, sheet, kind=kind)
    except UploadRejected as error:
        raise ValidationError({"file": [error.message]}, code=error.code) from error
    count = len(table.rows)
    if not count:
        raise ValidationError({"file": [_("文件中没有数据行")]}, code="empty")
    upload.seek(0)
    with transaction.atomic():
        batch = _store_upload(
            sheet, table, upload, actor=actor, kind=kind, name=name, requirement=requirement
        )
        if count > limit("SPREADSHEET_ASYNC_IMPORT_ROWS"):
            from .tasks import import_check_task

            transaction.on_commit(partial(import_check_task.delay, batch.pk))
            return batch
    try:
        return import_check(batch=batch)
    except Exception:
        import_fail(batch_id=batch.pk, message=_("检查文件时出错，请稍后重试"))
        raise


def _store_upload(sheet: r.Sheet, table, upload, *, actor, kind: str, name: str, requirement):
    """The batch and its rows as read from the file."""
    batch = ImportBatch(
        register=sheet.key,
        original_name=name[:255],
        created_by=actor,
        total_rows=len(table.rows),
        file_format=kind,
        columns=table.present,
        meta=table.meta,
        file_errors=[
            {"column": "", "message": str(message)}
            for message in [*table.problems, *_identity_problems(sheet, table, requirement)]
        ],
        **_scope_fields(requirement),
    )
    batch.file.save(f"{sheet.key}.{kind}", File(upload, name=name), save=False)
    batch.save()
    headers = {c.key: str(c.header) for c in sheet.columns}
    bulk_insert_rows(
        ImportRow,
        [
            ImportRow(
                batch=batch,
                row=number,
                values={key: _json_value(value) for key, value in values.items()},
                version=table.versions.get(number, "")[:255],
                cell_errors=_cell_errors(table, number, headers),
            )
            for number, values in table.rows
        ],
    )
    return batch


def _write_rows(sheet: r.Sheet, work: list, context: dict, progress: Progress) -> None:
    """Write the new and changed rows one by one through the register's services
    (Sheet.apply); messages are appended to each row."""
    for parsed, entry in work:
        sheet.check(parsed, context)
        if parsed.errors:
            progress.step()
            continue
        record = entry.record if entry is not None else None
        try:
            with transaction.atomic():
                notes = sheet.apply(parsed.values, record, context)
        except ValidationError as error:
            parsed.errors.extend(row_errors(sheet, error))
        except TransitionBlocked as error:
            parsed.errors.append(r.RowError("", str(error)))
        except PermissionDenied as error:
            parsed.errors.append(r.RowError("", str(error) or _("您没有权限写入该行")))
        else:
            parsed.warnings.extend(notes if isinstance(notes, list) else [])
        progress.step()


def _check_rows(sheet: r.Sheet, work: list, context: dict, progress: Progress) -> None:
    """Check the new and changed rows with the register's rules: in memory when the
    sheet can (each row's plan is kept), else a dry run of its services, rolled back."""
    if sheet.plan(work, context, progress):
        return
    try:
        with transaction.atomic():
            _write_rows(sheet, work, context, progress)
            raise _DryRun
    except _DryRun:
        pass


def _context(sheet: r.Sheet, batch: ImportBatch, actor) -> dict:
    requirement = batch.scope if batch.object_id else None
    context = sheet.import_context(actor=actor, requirement=requirement)
    context.update(
        actor=actor,
        requirement=requirement,
        directory=Directory(),
        window=(requirement.start_date, requirement.end_date) if requirement else None,
    )
    return context


def _state_token(sheet: r.Sheet, context: dict, *, lock: bool = False) -> str:
    """Changes whenever something the check read changes: the records the import
    compares with, their requirement and its group, departments and people. With
    `lock`, the records stay locked until the transaction ends (PostgreSQL)."""
    queryset = sheet.scope_queryset(context).order_by()
    model = queryset.model
    if lock:
        list(
            model._default_manager.filter(pk__in=queryset.values("pk"))
            .select_for_update()
            .values_list("pk", flat=True)
        )
    aggregates = {"n": Count("pk")}
    if any(f.name == "updated_at" for f in model._meta.fields):
        aggregates["latest"] = Max("updated_at")
    state = queryset.aggregate(**aggregates)
    requirement = context.get("requirement")
    if requirement is not None:
        fresh = type(requirement).objects.filter(pk=requirement.pk).values().first() or {}
        state["requirement"] = (fresh.get("status"), str(fresh.get("updated_at", "")))
        if hasattr(requirement, "members"):
            state["members"] = list(requirement.members.order_by("pk").values_list())
    state["people"] = list(User.objects.order_by("pk").values_list("pk", "is_active", "department"))
    state["departments"] = list(Department.objects.order_by("pk").values_list("pk", "name"))
    return hashlib.sha256(repr(sorted(state.items())).encode()).hexdigest()[:64]


def _store_preview(batch: ImportBatch, rows: list[ImportRow], results: list[r.ParsedRow]):
    by_row = {parsed.row: parsed for parsed in results}
    for row in rows:
        parsed = by_row[row.row]
        row.key = parsed.key
        row.action = RowAction.ERROR if parsed.errors else parsed.action
        row.changes = parsed.changes
        row.errors = [e.as_dict() for e in parsed.errors]
        row.warnings = [w.as_dict() for w in parsed.warnings]
        row.plan = parsed.plan
    bulk_update_rows(ImportRow, rows, ["key", "action", "changes", "errors", "warnings", "plan"])
    count = Counter(row.action for row in rows)
    batch.error_rows = count[RowAction.ERROR]
    batch.warning_rows = sum(1 for row in rows if row.warnings)
    batch.create_rows = count[RowAction.CREATE]
    batch.update_rows = count[RowAction.UPDATE]
    batch.unchanged_rows = count[RowAction.UNCHANGED]
    batch.conflict_rows = count[RowAction.CONFLICT]


@collections_paused()
def import_check(*, batch: ImportBatch) -> ImportBatch:
    """Compare every row with Collab, check the new and changed ones, store the preview."""
    sheet = r.get_sheet(batch.register)
    rows = list(batch.rows.all())
    context = _context(sheet, batch, batch.created_by)
    progress = Progress(ImportBatch, batch.pk, 2 * len(rows))
    progress.start()
    try:
        token = _state_token(sheet, context)
        current = current_records(sheet, context)
        seen: dict[str, int] = {}
        work = []
        for row in rows:
            work.append(classify_row(sheet, row, batch, current, context, seen))
            progress.step()
        for parsed, _entry in work:
            if parsed.action == RowAction.ERROR:
                # The register's own checks of a row with cell errors too: every problem
                # of the file in one preview, not one stage at a time.
                sheet.check(parsed, context)
        pending = [(p, e) for p, e in work if p.action in PENDING]
        progress.done = len(rows) + len(work) - len(pending)
        _check_rows(sheet, pending, context, progress)
    finally:
        progress.close()
    with transaction.atomic():
        _store_preview(batch, rows, [p for p, _e in work])
        batch.state_token = token
        invalid = batch.error_rows or batch.file_errors
        batch.status = ImportStatus.INVALID if invalid else ImportStatus.PREVIEW
        batch.progress_done = batch.progress_total
        batch.message = _invalid_message(batch) if invalid else ""
        batch.save()
    return batch


def _invalid_message(batch: ImportBatch) -> str:
    if not batch.file_errors:
        return _("共 %(n)d 行有错误，请修改文件后重新上传") % {"n": batch.error_rows}
    return _("文件有 %(files)d 处问题、%(rows)d 行有错误，请修改文件后重新上传") % {
        "files": len(batch.file_errors),
        "rows": batch.error_rows,
    }


def can_use_batch(user, batch: ImportBatch) -> bool:
    return bool(user.is_authenticated and (user.is_staff or batch.created_by_id == user.pk))


def import_confirm(*, batch: ImportBatch, actor, take_file=()) -> ImportBatch:
    """Apply a checked batch; large batches go to the background job. `take_file`:
    row numbers of conflicts for which the file's values win."""
    with transaction.atomic():
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
        chosen = {int(n) for n in take_file}
        batch.rows.filter(action=RowAction.CONFLICT).update(take_file=False)
        if chosen:
            batch.rows.filter(action=RowAction.CONFLICT, row__in=chosen).update(take_file=True)
        batch.status = ImportStatus.APPLYING
        batch.progress_done = 0
        batch.save(update_fields=["status", "progress_done"])
        if batch.total_rows > limit("SPREADSHEET_ASYNC_IMPORT_ROWS"):
            from .tasks import import_apply_task

            transaction.on_commit(partial(import_apply_task.delay, batch.pk, actor.pk))
            return batch
    return import_apply(batch=batch, actor=actor)


def _planned(rows: list[ImportRow], wanted: list[ImportRow]) -> bool:
    """The preview's plans can be written as they are: every pending row was planned
    and no conflict the preview planned is left out (it may have mattered to others)."""
    pending = [row for row in rows if row.action in PENDING]
    return len(pending) == len(wanted) and all(row.plan is not None for row in wanted)


def _write(sheet: r.Sheet, batch, rows, wanted, context, progress) -> list[r.ParsedRow]:
    """Inside the import's transaction: write the stored plans, or (when the plans
    cannot be reused) check the wanted rows again and write them. Returns the rows
    found wrong (nothing must then be kept)."""
    if not wanted:
        return []
    if _planned(rows, wanted):
        sheet.write([row.plan for row in wanted if row.plan], context, progress)
        return []
    current = current_records(sheet, context)
    seen: dict[str, int] = {}
    work = [classify_row(sheet, row, batch, current, context, seen) for row in wanted]
    if sheet.plan(work, context, progress):
        if not any(parsed.errors for parsed, _entry in work):
            sheet.write([p.plan for p, _e in work if p.plan], context, progress)
    else:
        _write_rows(sheet, work, context, progress)
    return [parsed for parsed, _entry in work if parsed.errors]


@collections_paused()
def import_apply(*, batch: ImportBatch, actor) -> ImportBatch:
    """Write the previewed changes in one transaction: all rows or none. When the data
    changed since the preview, nothing is written and the file is checked again."""
    sheet = r.get_sheet(batch.register)
    context = _context(sheet, batch, actor)
    rows = list(batch.rows.defer("changes", "warnings"))  # not needed to write
    wanted = [
        row
        for row in rows
        if row.action in (RowAction.CREATE, RowAction.UPDATE)
        or (row.action == RowAction.CONFLICT and row.take_file)
    ]
    progress = Progress(ImportBatch, batch.pk, len(wanted))
    progress.start()
    stale = False
    wrong: list[r.ParsedRow] = []
    message = ""
    try:
        with transaction.atomic():
            requirement = context.get("requirement")
            if requirement is not None:
                type(requirement).objects.select_for_update().filter(pk=requirement.pk).first()
            if _state_token(sheet, context, lock=True) != batch.state_token:
                stale = True
                raise _DryRun
            wrong = _write(sheet, batch, rows, wanted, context, progress)
            if wrong:
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError:
        logger.exception("import %s refused by the database", batch.pk)
        message = _("保存失败：数据冲突，未导入任何数据，请重新上传后再试")
    finally:
        progress.close()
    if stale:
        batch.status = ImportStatus.CHECKING
        batch.save(update_fields=["status"])
        batch = import_check(batch=batch)
        if batch.status == ImportStatus.PREVIEW:
            batch.message = _(
                "预览之后数据有变化，已按最新数据重新检查，未写入任何数据；请核对后再次确认"
            )
            batch.save(update_fields=["message"])
        return batch
    if wrong or message:
        _record_failure(batch, rows, wanted, wrong, message)
    else:
        _record_success(batch, wanted)
    batch.progress_done = batch.progress_total
    batch.save(update_fields=["status", "applied_at", "message", "error_rows", "progress_done"])
    return batch


def _record_failure(batch, rows, wanted, wrong, message) -> None:
    by_row = {parsed.row: parsed for parsed in wrong}
    for row in wanted:
        parsed = by_row.get(row.row)
        if parsed is not None:
            row.errors = [e.as_dict() for e in parsed.errors]
            row.action = RowAction.ERROR
    ImportRow.objects.bulk_update(wanted, ["errors", "action"], batch_size=1000)
    batch.error_rows = sum(1 for row in rows if row.action == RowAction.ERROR)
    batch.status = ImportStatus.FAILED
    batch.message = message or _("%(n)d 行无法写入（见各行错误），未导入任何数据") % {
        "n": batch.error_rows
    }


def _record_success(batch, wanted) -> None:
    count = Counter(row.action for row in wanted)
    taken = [row for row in wanted if row.action == RowAction.CONFLICT]
    batch.status = ImportStatus.DONE
    batch.applied_at = timezone.now()
    batch.message = _(
        "已导入：新增 %(c)d 行，更新 %(u)d 行；%(same)d 行无变化，%(skipped)d 行冲突未导入"
    ) % {
        "c": count[RowAction.CREATE] + sum(1 for row in taken if not row.key),
        "u": count[RowAction.UPDATE] + sum(1 for row in taken if row.key),
        "same": batch.unchanged_rows,
        "skipped": batch.conflict_rows - len(taken),
    }


def import_fail(*, batch_id: int, message: str) -> None:
    """Record an unexpected failure of a background step (the job never raises to 500)."""
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.FAILED, message=message)
