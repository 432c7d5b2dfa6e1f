"""The import preview's diff: each file row against the record it matches, as create,
update, unchanged, conflict or error, with field-level changes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import registry as r
from .cells import CellError, canonical, is_blank, normalise, parse_cell, text
from .models import ImportBatch, ImportRow, RowAction
from .versions import Canonicals, same_as_exported, version_digests


@dataclass
class CurrentRecord:
    """A record as the file is compared with it."""

    record: object
    canonical: dict[str, str]
    display: dict[str, str]
    values: tuple


def _labels(sheet: r.Sheet) -> dict[str, str]:
    """Column key -> header text in the active language (read once per sheet)."""
    key = (sheet.key, get_language())
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS[key] = {c.key: str(c.header) for c in sheet.columns}
    return found


_LABELS: dict[tuple, dict[str, str]] = {}


def display_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return text(value)


def current_records(sheet: r.Sheet, context: dict) -> dict[str, CurrentRecord]:
    found = {}
    canonicals = Canonicals(sheet, context["directory"])
    keys = [c.key for c in sheet.columns]
    for record, row in sheet.current_rows(context):
        values = tuple(row)
        canon = canonicals.row(values)
        display = {key: display_value(v) for key, v in zip(keys, values, strict=False)}
        found[sheet.record_key(record, values)] = CurrentRecord(record, canon, display, values)
    return found


def row_errors(sheet: r.Sheet, error: ValidationError) -> list[r.RowError]:
    found = []
    if hasattr(error, "error_dict"):
        for field_name, messages in error.message_dict.items():
            column = sheet.column_for_field(field_name)
            header = column.header if column else ""
            found.extend(r.RowError(header, str(m)) for m in messages)
    else:
        found.extend(r.RowError("", str(m)) for m in error.messages)
    return found


def classify_row(
    sheet: r.Sheet,
    row: ImportRow,
    batch: ImportBatch,
    current: dict[str, CurrentRecord],
    context: dict,
    seen: dict[str, int],
) -> tuple[r.ParsedRow, CurrentRecord | None]:
    """Normalise the row's cells and compare them with the record: create, update,
    unchanged or conflict, with the changed fields; parse what will be written."""
    parsed = r.ParsedRow(row=row.row, values={})
    for note in row.cell_errors:
        found = parsed.warnings if note.get("warning") else parsed.errors
        found.append(r.RowError(note["column"], note["message"]))
    formula_columns = {e["column"] for e in row.cell_errors if not e.get("warning")}
    labels = _labels(sheet)
    present = [key for key in batch.columns if key in labels]
    normal: dict = {}
    canon: dict[str, str] = {}
    unreadable = set(formula_columns)  # said once: not also "不能为空"
    for key in present:
        column = sheet.column(key)
        raw = row.values.get(key)
        try:
            value, note = normalise(column, raw, window=context["window"])
        except CellError as error:
            parsed.errors.append(r.RowError(column.header, str(error)))
            unreadable.add(str(column.header))
            canon[key] = text(raw)
            continue
        if note:
            parsed.warnings.append(r.RowError(column.header, note))
        normal[key] = value
        canon[key] = canonical(column, value, context["directory"])
    if sheet.match_column:
        column = sheet.column(sheet.match_column)
        parsed.key = canon.get(column.key, "")[:64]
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
        entry = current.get(parsed.key) if parsed.key else None
    else:
        entry = next(iter(current.values()), None) if not seen else None
        seen.setdefault("", row.row)
    digests = version_digests(row.version, sheet) if batch.from_export and row.version else None

    if entry is None:
        parsed.action = RowAction.CREATE
        for column in sheet.columns:
            if labels[column.key] in unreadable:
                continue
            if column.required and is_blank(normal.get(column.key)):
                message = (
                    _("不能为空")
                    if column.key in present
                    else _("文件中没有该列，新增的行必须填写")
                )
                parsed.errors.append(r.RowError(column.header, message))
        if digests is not None:
            parsed.action = RowAction.CONFLICT
            parsed.warnings.append(
                r.RowError(
                    "", _("导出后该记录已在系统中删除或改了编号；选择采用文件中的值将重新创建")
                )
            )
        parsed.changes = [
            {
                "field": key,
                "label": labels[key],
                "old": "",
                "new": display_value(normal.get(key)),
            }
            for key in present
            if canon.get(key)
        ]
        to_parse = [key for key in present if key in normal]
    else:
        changed = []
        conflict = False
        merged = {**entry.canonical, **canon}
        ignored = []
        for key in present:
            if key == sheet.match_column or key not in normal:
                continue
            new, old = canon[key], entry.canonical.get(key, "")
            if new == old or sheet.equivalent(key, new, old):
                continue
            if sheet.ignores(key, merged):
                ignored.append(key)  # not a change; check() says why if the row is written
                continue
            clash = False
            if digests is not None:
                if same_as_exported(digests, key, new):
                    continue  # not edited in the file; the newer value in Collab stays
                clash = not same_as_exported(digests, key, old)
            conflict = conflict or clash
            change = {
                "field": key,
                "label": labels[key],
                "old": entry.display.get(key, ""),
                "new": display_value(normal.get(key)),
            }
            if clash:
                change["conflict"] = True
            if new == "":
                change["clears"] = True
                parsed.warnings.append(
                    r.RowError(sheet.column(key).header, _("单元格为空，将清空原有内容"))
                )
            parsed.changes.append(change)
            changed.append(key)
        if conflict:
            parsed.action = RowAction.CONFLICT
        elif changed:
            parsed.action = RowAction.UPDATE
        else:
            parsed.action = RowAction.UNCHANGED
        if sheet.partial_updates:
            to_parse = changed + ignored if changed else []
        else:
            # Every column goes to apply(): the unchanged ones as Collab has them now.
            for column, value in zip(sheet.columns, entry.values, strict=False):
                if column.key not in changed:
                    try:
                        normal[column.key] = normalise(column, value)[0]
                    except CellError:
                        normal[column.key] = value
            to_parse = [c.key for c in sheet.columns]
    if sheet.match_column in present and sheet.match_column not in to_parse:
        to_parse.append(sheet.match_column)
    directory = context["directory"]
    for key in to_parse:
        column = sheet.column(key)
        try:
            parsed.values[key] = parse_cell(column, normal.get(key), directory)
        except CellError as error:
            parsed.errors.append(r.RowError(column.header, str(error)))
            parsed.values[key] = None
    if parsed.errors:
        parsed.action = RowAction.ERROR
    return parsed, entry
