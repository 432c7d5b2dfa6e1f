"""Writing the register sheets with openpyxl and reading them with python-calamine.

Writing uses write_only mode (rows stream to a temporary file, memory stays flat);
reading takes .xlsx, .xls, .ods (calamine) and .csv (UTF-8 with or without BOM, or
GB18030), after safety.check_upload has vetted the file. Formula cells are found in the
sheet XML of .xlsx and .ods files so the import can refuse them by address."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, PasswordError

from . import registry as r
from .cells import FORMULA_PREFIXES, is_blank, text
from .conf import limit
from .formulas import ods_formulas, xlsx_formulas
from .safety import UploadRejected

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="8EA9DB")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
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
        return value  # openpyxl writes dates with the yyyy-mm-dd format
    if column.identifier and value not in (None, ""):
        cell = WriteOnlyCell(ws, value=str(value))
        cell.number_format = TEXT_FORMAT
        cell.data_type = "s"
        return cell
    if column.wrap and isinstance(value, str) and value:
        cell = WriteOnlyCell(ws, value=value)
        cell.alignment = WRAP
        return cell
    return value


def _page_setup(ws, *, header_rows: str = "1:1") -> None:
    """Landscape, one page wide, header rows repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_title_rows = header_rows


def _help_text(column: r.Column) -> str:
    parts = [str(column.help)] if column.help else []
    if column.required:
        parts.append(_("必填"))
    if column.identifier:
        parts.append(_("本列为文本格式，请勿改为数字格式"))
    if column.kind == r.DATE:
        parts.append(_("日期，如 2024-07-15"))
    if column.kind == r.CHOICE and column.choices:
        labels = "、".join(str(label) for _code, label in column.choices)
        parts.append(_("可选：%(labels)s") % {"labels": labels})
    return "；".join(parts)


def _header_row(ws, columns: Sequence[r.Column], *, comments: bool) -> list:
    cells = _header_cells(ws, columns)
    if comments:
        for cell, column in zip(cells, columns, strict=True):
            note = _help_text(column)
            if note:
                comment = Comment(note, "Collab")
                comment.width, comment.height = 220, 90
                cell.comment = comment
    return cells


def write_sheet(
    workbook: Workbook,
    sheet: r.Sheet,
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
    title: str | None = None,
    versions: bool = False,
) -> int:
    """Append one register sheet to a write_only workbook; returns the row count.

    With `versions`, a hidden last column holds each row's version (see versions.py).
    Columns with a format of their own (IDs as text, wrapped text) write through one
    styled cell each, refilled per row: write_only writes a row as it is appended."""
    from .cells import Directory
    from .versions import Canonicals

    canonicals = Canonicals(sheet, Directory()) if versions else None
    ws = workbook.create_sheet(sheet_title(str(title or sheet.title)))
    columns = list(sheet.columns)
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.identifier or column.kind == r.TEXT:
            dimension.number_format = TEXT_FORMAT
    if versions:
        hidden = ws.column_dimensions[get_column_letter(len(columns) + 1)]
        hidden.hidden = True
        hidden.width = 12
    ws.freeze_panes = "B2" if sheet.match_column else "A2"
    _page_setup(ws)
    _validations(ws, columns)
    header = _header_row(ws, columns, comments=True)
    if versions:
        header.append(VERSION_HEADER)
    ws.append(header)
    # Dates need no cell of their own: openpyxl gives date values the date format.
    styled = [  # (index, the column's styled cell, refilled row after row, ID column)
        (index, _cell(ws, "-", column), bool(column.identifier))
        for index, column in enumerate(columns)
        if column.wrap or column.identifier
    ]
    count = 0
    for values in rows:
        cells = list(values)
        if any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in cells):
            cells = [_cell(ws, v, c) for v, c in zip(values, columns, strict=False)]
        else:
            for index, cell, identifier in styled:
                value = cells[index] if index < len(cells) else None
                if isinstance(value, str) and value:
                    cell.value = value
                    if identifier:
                        cell.data_type = "s"  # as typed, even "#N/A"
                    cells[index] = cell
                elif value not in (None, ""):
                    cells[index] = _cell(ws, value, columns[index])
        if canonicals is not None:
            cells.append(canonicals.version(values))
        ws.append(cells)
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return count


def write_meta(workbook: Workbook, pairs: dict[str, str]) -> None:
    """The hidden sheet that says which register and requirement a file was exported
    from, and when."""
    ws = workbook.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    for key, value in pairs.items():
        ws.append([key, value])


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
    _page_setup(ws)
    for label, value in pairs:
        ws.append([_cell(ws, label, label_column), _cell(ws, value, value_column)])


# Reading
META_SHEET = "_collab"  # hidden sheet: register, requirement number, export time
VERSION_HEADER = "_row_version"  # hidden last column: the row's version at export


@dataclass
class Table:
    """What an uploaded file holds for one register sheet."""

    rows: list[tuple[int, dict[str, Any]]]  # (row number as shown, {column key: raw})
    present: list[str]  # keys of the columns the file carries
    meta: dict[str, str] = field(default_factory=dict)  # from the hidden sheet of an export
    versions: dict[int, str] = field(default_factory=dict)  # row number -> row version
    formulas: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # row -> [(key, A1)]
    # Problems of the file as a whole (headers, fields), reported with the rows' own.
    problems: list[str] = field(default_factory=list)
    # row -> [(header, message, is_warning)]: cells that could not be read as written
    notes: dict[int, list[tuple[str, str, bool]]] = field(default_factory=dict)
    requirement_number: str = ""  # the requirement a form's title names


def _normalise_header(value: Any) -> str:
    return "".join(text(value).split()).translate(str.maketrans("（）／", "()/"))


def _match_headers(
    sheet: r.Sheet, header_row: Sequence[Any]
) -> tuple[dict[int, r.Column | None], list[str]]:
    """Column index -> Column (None for the hidden version column), and the problems of
    the header. Columns missing from the file are allowed (they are left as they are);
    unknown or repeated ones are problems (the rows are still read and checked, so the
    preview shows every problem of the file at once). Raises when nothing is known."""
    names = {}
    for column in sheet.columns:
        for name in (column.header, *column.aliases):
            names[_normalise_header(name)] = column
    mapping: dict[int, r.Column | None] = {}
    unknown, repeated = [], []
    for index, raw in enumerate(header_row):
        header = _normalise_header(raw)
        if not header:
            continue
        if header == VERSION_HEADER:
            mapping[index] = None
            continue
        column = names.get(header)
        if column is None:
            unknown.append(text(raw))
        elif column in mapping.values():
            repeated.append(str(column.header))
        else:
            mapping[index] = column
    present = set(mapping.values())
    problems = []
    if sheet.match_column and sheet.column(sheet.match_column) not in present:
        problems.append(
            _("缺少列：%(names)s") % {"names": str(sheet.column(sheet.match_column).header)}
        )
    if unknown:
        problems.append(_("无法识别的列：%(names)s") % {"names": "、".join(unknown)})
    if repeated:
        problems.append(_("重复的列：%(names)s") % {"names": "、".join(repeated)})
    if not present - {None}:
        problems.insert(0, _("没有可识别的列"))
        raise UploadRejected(header_message(sheet, problems), "columns")
    return mapping, [header_message(sheet, problems)] if problems else []


def header_message(sheet: r.Sheet, problems: list[str]) -> str:
    return _("表头与模板“%(title)s”不一致（%(detail)s）。请使用下载的模板，不要修改列名。") % {
        "title": str(sheet.title),
        "detail": "；".join(problems),
    }


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRejected(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GB18030"), "type")


def _csv_sheets(data: bytes) -> tuple[list[list[Any]], dict]:
    content = _decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(content), dialect)), {}


def _cell_name(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _workbook_sheets(data: bytes, kind: str, sheet: r.Sheet):
    """(rows of the register's worksheet, meta dict, formula cells)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as error:
        raise UploadRejected(
            _("文件已加密（设置了打开密码），请取消密码后再上传"), "encrypted"
        ) from error
    except Exception as error:  # the reader raises several kinds on damaged files
        raise UploadRejected(_("无法读取该工作簿，文件可能已损坏"), "type") from error
    try:
        names = list(workbook.sheet_names)
        meta = {}
        if META_SHEET in names:
            for pair in workbook.get_sheet_by_name(META_SHEET).to_python():
                if len(pair) >= 2 and pair[0]:
                    meta[text(pair[0])] = text(pair[1])
        data_names = [n for n in names if n != META_SHEET]
        wanted = sheet_title(str(sheet.title))
        if wanted in data_names:
            name = wanted
        elif len(data_names) == 1:
            name = data_names[0]
        else:
            raise UploadRejected(
                _("工作簿中没有名为“%(title)s”的工作表") % {"title": wanted}, "columns"
            )
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except UploadRejected:
        raise
    except Exception as error:
        raise UploadRejected(_("无法读取该工作簿，文件可能已损坏"), "type") from error
    finally:
        workbook.close()
    formulas: set[tuple[int, int]] = set()
    try:
        if kind == "xlsx":
            formulas = xlsx_formulas(data, names.index(name))
        elif kind == "ods":
            formulas = ods_formulas(data, name)
    except (KeyError, IndexError, StopIteration, ParseError, zipfile.BadZipFile) as error:
        raise UploadRejected(_("无法读取该工作簿，文件可能已损坏"), "type") from error
    return rows, meta, formulas


def read_table(upload, sheet: r.Sheet, *, kind: str) -> Table:
    """Read the register's sheet from an .xlsx/.xls/.ods/.csv file; blank rows skipped.

    Raises UploadRejected for unreadable files, wrong headers or too many rows."""
    upload.seek(0)
    data = upload.read()
    if kind == "csv":
        rows, meta = _csv_sheets(data)
        formulas = set()
        for number, values in enumerate(rows, start=1):
            for index, value in enumerate(values, start=1):
                if isinstance(value, str) and value.startswith("="):
                    formulas.add((number, index))
    else:
        rows, meta, formulas = _workbook_sheets(data, kind, sheet)
    if not rows:
        raise UploadRejected(_("工作表是空的，没有表头"), "columns")
    # A dossier's marker covers all its sheets (no register named).
    meta = meta if meta.get("register") in ("", sheet.key) else {}
    if sheet.form:
        from .forms import is_form, read_form

        if is_form(sheet, rows):
            return read_form(sheet, rows, formulas, meta)
    mapping, problems = _match_headers(sheet, rows[0])
    table = Table(
        rows=[],
        present=[c.key for c in mapping.values() if c is not None],
        meta=meta,
        problems=problems,
    )
    max_rows = limit("SPREADSHEET_MAX_IMPORT_ROWS")
    for number, values in enumerate(rows[1:], start=2):
        if all(is_blank(v) for v in values):
            continue
        record = {}
        for index, column in mapping.items():
            value = values[index] if index < len(values) else None
            if column is None:
                if table.meta and not is_blank(value):
                    table.versions[number] = text(value)
                continue
            record[column.key] = None if value == "" else value
            if (number, index + 1) in formulas:
                table.formulas.setdefault(number, []).append(
                    (column.key, _cell_name(index + 1, number))
                )
        notes = sheet.read_row(record)
        if notes:
            table.notes[number] = [(str(n.column), str(n.message), True) for n in notes]
        table.rows.append((number, record))
        if len(table.rows) > max_rows:
            raise UploadRejected(
                _("数据行数超过上限 %(max)d 行，请拆分后导入") % {"max": max_rows}, "size"
            )
    added = {key for _number, record in table.rows for key in record} - set(table.present)
    table.present += sorted(added)  # columns read_row() filled from another cell
    return table
