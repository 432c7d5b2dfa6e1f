"""Writing and reading the register sheets with openpyxl.

Writing uses write_only mode (rows stream to a temporary file, memory stays flat);
reading uses read_only mode, after safety.check_upload has vetted the archive."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import registry as r
from .cells import FORMULA_PREFIXES, is_blank, text
from .conf import limit
from .safety import UploadRejected

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="8EA9DB")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
PROGRESS_EVERY = 1000
MAX_ROW = 1048576


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, "_")
    return title[:31]


def _header_cells(ws, columns: Sequence[r.Column]) -> list:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        cell.border = HEADER_BORDER
        cell.data_type = "s"
        cells.append(cell)
    return cells


def _validations(ws, columns: Sequence[r.Column]) -> None:
    for index, column in enumerate(columns, start=1):
        if column.kind != r.CHOICE or not column.choices:
            continue
        labels = ",".join(str(label) for _code, label in column.choices)
        validation = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle=_("无效的值"),
            error=_("请从下拉列表中选择：%(labels)s") % {"labels": labels},
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROW}")
        ws.data_validations.append(validation)


def _cell(ws, value: Any, column: r.Column):
    if isinstance(value, Promise):
        value = str(value)
    if is_formula_like(value):
        # Written as a string cell with a quote prefix: Excel shows it, never runs it.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        if column.wrap:
            cell.alignment = WRAP
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.wrap and isinstance(value, str) and value:
        cell = WriteOnlyCell(ws, value=value)
        cell.alignment = WRAP
        return cell
    return value


def write_sheet(
    workbook: Workbook,
    sheet: r.Sheet,
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
    title: str | None = None,
) -> int:
    """Append one register sheet to a write_only workbook; returns the row count."""
    ws = workbook.create_sheet(sheet_title(str(title or sheet.title)))
    columns = list(sheet.columns)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    _validations(ws, columns)
    ws.append(_header_cells(ws, columns))
    needs_cells = [c.kind == r.DATE or c.wrap for c in columns]
    count = 0
    for values in rows:
        if any(needs_cells) or any(is_formula_like(v) for v in values):
            ws.append([_cell(ws, v, c) for v, c in zip(values, columns, strict=False)])
        else:
            ws.append(list(values))
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return count


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def write_key_values(workbook: Workbook, title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A two-column summary sheet (label, value)."""
    ws = workbook.create_sheet(sheet_title(title))
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    label_column = r.Column("label", _("项目"))
    value_column = r.Column("value", _("内容"), wrap=True)
    ws.append(_header_cells(ws, [label_column, value_column]))
    ws.freeze_panes = "A2"
    for label, value in pairs:
        ws.append([_cell(ws, label, label_column), _cell(ws, value, value_column)])


def csv_bytes_iter(sheet: r.Sheet, rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM so Excel opens it in Chinese; formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([str(c.header) for c in sheet.columns])
    yield b"\xef\xbb\xbf" + flush()
    for count, values in enumerate(rows, start=1):
        writer.writerow(
            [
                ("'" + v)
                if is_formula_like(v)
                else (v.isoformat() if hasattr(v, "isoformat") else v)
                for v in values
            ]
        )
        if count % 500 == 0:
            yield flush()
    yield flush()


# Reading
def _normalise_header(value: Any) -> str:
    return "".join(text(value).split())


def _match_headers(sheet: r.Sheet, header_row: Sequence[Any]) -> dict[int, r.Column]:
    names = {}
    for column in sheet.columns:
        for name in (column.header, *column.aliases):
            names[_normalise_header(name)] = column
    mapping: dict[int, r.Column] = {}
    unknown = []
    for index, raw in enumerate(header_row):
        header = _normalise_header(raw)
        if not header:
            continue
        column = names.get(header)
        if column is None:
            unknown.append(text(raw))
        elif column in mapping.values():
            raise UploadRejected(
                _("列“%(name)s”重复出现") % {"name": str(column.header)}, "columns"
            )
        else:
            mapping[index] = column
    present = set(mapping.values())
    missing = [str(c.header) for c in sheet.columns if c.in_header and c not in present]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("缺少列：%(names)s") % {"names": "、".join(missing)})
        if unknown:
            parts.append(_("无法识别的列：%(names)s") % {"names": "、".join(unknown)})
        raise UploadRejected(
            _("表头与模板“%(title)s”不一致（%(detail)s）。请使用下载的模板，不要修改列名。")
            % {"title": str(sheet.title), "detail": "；".join(parts)},
            "columns",
        )
    return mapping


def _pick_worksheet(workbook, sheet: r.Sheet):
    wanted = sheet_title(str(sheet.title))
    for ws in workbook.worksheets:
        if ws.title == wanted:
            return ws
    if len(workbook.worksheets) == 1:
        return workbook.worksheets[0]
    raise UploadRejected(_("工作簿中没有名为“%(title)s”的工作表") % {"title": wanted}, "columns")


def read_sheet(path_or_file, sheet: r.Sheet) -> tuple[int, list[tuple[int, dict[str, Any]]]]:
    """(data row count, [(excel row number, {column key: raw value})]); blank rows skipped.

    Raises UploadRejected for unreadable files, wrong headers or too many rows."""
    try:
        workbook = load_workbook(path_or_file, read_only=True, data_only=True)
    except UploadRejected:
        raise
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise UploadRejected(_("无法读取该工作簿，文件可能已损坏"), "type") from error
    try:
        ws = _pick_worksheet(workbook, sheet)
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise UploadRejected(_("工作表是空的，没有表头"), "columns")
        mapping = _match_headers(sheet, header)
        result = []
        max_rows = limit("SPREADSHEET_MAX_IMPORT_ROWS")
        for number, values in enumerate(rows, start=2):
            if all(is_blank(v) for v in values):
                continue
            record = {column.key: None for column in sheet.columns}
            for index, column in mapping.items():
                record[column.key] = values[index] if index < len(values) else None
            result.append((number, record))
            if len(result) > max_rows:
                raise UploadRejected(
                    _("数据行数超过上限 %(max)d 行，请拆分后导入") % {"max": max_rows}, "size"
                )
        return len(result), result
    finally:
        workbook.close()
