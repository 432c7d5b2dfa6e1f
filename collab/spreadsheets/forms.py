"""The field/value form layout of a sheet (the paper templates 1 and 4): one record per
worksheet, each line a field and its value, in the paper template's wording and order.

Writing lays the form out print-ready (a title naming the requirement, the optional
column titles such as 字段名称 | 填写说明 | 内容, label cells, wrapped values and row
heights that show every line) and returns the record's row version, which the export
keeps in its hidden sheet. Reading finds the field labels wherever a person put them
(label | value pairs, two pairs on a line, or under column titles naming the value
column), joins continuation lines (a label cell merged over several lines or left
empty) and turns the form back into one row of column values."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import registry as r
from .cells import is_blank, text
from .workbook import (
    DATE_FORMAT,
    HEADER_ALIGNMENT,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    TEXT_FORMAT,
    THIN,
    Table,
    _normalise_header,
    _page_setup,
    is_formula_like,
    sheet_title,
)

VERSION_KEY = "version:%s"  # key of a form's row version in the export's hidden sheet
TITLE_FONT = Font(bold=True, size=14)
LABEL_FONT = Font(bold=True)
LABEL_FILL = PatternFill("solid", fgColor="D9E1F2")
HELP_FONT = Font(color="595959", size=9)
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
LABEL_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
LABEL_WIDTH, HELP_WIDTH, VALUE_WIDTH = 16, 30, 60
LINE_POINTS, HELP_POINTS = 14.5, 12.0  # height of one line of 11 pt and of 9 pt text
LABEL_TITLES = ("字段名称", "字段", "项目")
VALUE_TITLES = ("内容", "填写内容", "值", "示例")  # by preference: the column holding values
REQUIREMENT_NUMBER = re.compile(r"\d{4}-[A-Za-z]{2,10}-\d{3,}")


# Writing
def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def _line_count(value: Any, width: int) -> int:
    """Printed lines of a wrapped cell `width` characters wide."""
    if value is None or value == "":
        return 1
    per_line = max(1, width - 2)
    lines = str(value).split("\n")
    return sum(max(1, math.ceil(_display_width(line) / per_line)) for line in lines)


def _styled(ws, value: Any, *, font=None, fill=None, alignment=TOP_WRAP, border=BORDER):
    if isinstance(value, Promise):
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell.data_type = "s"  # formula-like text is shown, never run
        cell.quotePrefix = is_formula_like(value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    cell.alignment = alignment
    cell.border = border
    return cell


def _validation(ws, column: r.Column, address: str) -> None:
    labels = ",".join(str(label) for _code, label in column.choices)
    validation = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("无效的值"),
        error=_("请从下拉列表中选择：%(labels)s") % {"labels": labels},
    )
    validation.add(address)
    ws.data_validations.append(validation)


def write_form(
    workbook: Workbook, sheet: r.Sheet, values: Sequence[Any] | None, *, number: str = ""
) -> str:
    """Append the form of one record (`values` in column order, as row_of() gives them;
    None: a blank form) on a worksheet of its own. Returns the record's row version
    ("" for a blank form)."""
    from .cells import Directory
    from .versions import canonical_row, row_version

    ws = workbook.create_sheet(sheet_title(str(sheet.title)))
    with_help = len(sheet.form_header) == 3
    widths = [LABEL_WIDTH, HELP_WIDTH, VALUE_WIDTH] if with_help else [LABEL_WIDTH, 86]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(widths))
    ws.column_dimensions[last].number_format = TEXT_FORMAT  # 001 typed stays 001
    title = str(sheet.title) + (f"（{number}）" if number else "")
    ws.merged_cells.add(f"A1:{last}1")
    ws.row_dimensions[1].height = 26
    ws.append([_styled(ws, title, font=TITLE_FONT, alignment=TITLE_ALIGNMENT, border=None)])
    line = 2
    if sheet.form_header:
        header = []
        for name in sheet.form_header:
            cell = _styled(ws, str(name), font=HEADER_FONT, fill=HEADER_FILL)
            cell.alignment, cell.border = HEADER_ALIGNMENT, HEADER_BORDER
            header.append(cell)
        ws.append(header)
        line += 1
    _page_setup(ws, header_rows=f"1:{line - 1}")
    ws.print_options.gridLines = False  # the form has its own borders
    ws.page_setup.orientation = "landscape"
    row = dict(zip([c.key for c in sheet.columns], values or (), strict=False))
    for field in sheet.form:
        value = sheet.form_value(field, row) if values is not None else None
        label = _styled(ws, str(field.label), font=LABEL_FONT, fill=LABEL_FILL)
        label.alignment = LABEL_ALIGNMENT
        cells = [label]
        height = _line_count(value, widths[-1]) * LINE_POINTS
        if with_help:
            cells.append(_styled(ws, str(field.help), font=HELP_FONT))
            # 9 pt help text: about 1.2 times as many characters to a line.
            help_lines = _line_count(field.help, int(widths[1] * 1.2))
            height = max(height, help_lines * HELP_POINTS)
        elif field.help:
            comment = Comment(str(field.help), "Collab")
            comment.width, comment.height = 260, 110
            label.comment = comment
        cells.append(_styled(ws, value))
        column = sheet.column(field.keys[0])
        if len(field.keys) == 1 and column.kind == r.CHOICE and column.choices:
            _validation(ws, column, f"{last}{line}")
        if height > LINE_POINTS:
            ws.row_dimensions[line].height = height + 3
        ws.append(cells)
        line += 1
    if values is None:
        return ""
    return row_version(canonical_row(sheet, values, Directory()), sheet)


# Reading
def _labels(sheet: r.Sheet) -> dict[str, r.FormField]:
    """Normalised label -> form field; every column's own header is a label too (a form
    may carry 时间节点（开始） and 时间节点（结束） on two lines)."""
    found: dict[str, r.FormField] = {}
    for column in sheet.columns:
        for name in (column.header, *column.aliases):
            found[_normalise_header(name)] = r.FormField(str(column.header), (column.key,))
    for field in sheet.form:
        for name in (field.label, *field.aliases):
            found[_normalise_header(name)] = field
    return found


def is_form(sheet: r.Sheet, rows: Sequence[Sequence[Any]]) -> bool:
    """A form puts its labels down the sheet, a register puts them across its first
    row: a file is read as a form when its first row is not a register header and at
    least two lines carry a field label."""
    labels = _labels(sheet)
    lines = 0
    first = True
    for row in rows[:80]:
        names = [_normalise_header(v) for v in row if not is_blank(v)]
        if not names:
            continue
        known = sum(1 for name in names if name in labels)
        if first and known >= 3:
            return False
        first = False
        lines += known > 0
    return lines >= 2


class _Reader:
    """Collects the fields of a form line by line."""

    def __init__(self, sheet: r.Sheet):
        self.sheet = sheet
        self.labels = _labels(sheet)
        self.fields: dict[tuple[str, ...], list] = {}  # keys -> [field, values, cells]
        self.first_row = 0
        self.last: tuple[tuple[str, ...], int] | None = None  # (field keys, label column)
        self.unknown: list[str] = []
        self.repeated: list[str] = []
        self.title = ""

    def add(self, number: int, label_index: int, value_index: int, row: Sequence[Any]) -> None:
        raw = row[label_index] if label_index < len(row) else None
        value = row[value_index] if value_index < len(row) else None
        if is_blank(raw):
            if self.last and self.last[1] == label_index and not is_blank(value):
                entry = self.fields[self.last[0]]
                entry[1].append(value)
                entry[2].append((number, value_index + 1))
            return
        field = self.labels.get(_normalise_header(raw))
        if field is None:
            self.unknown.append(text(raw)[:30])
            return
        keys = tuple(field.keys)
        if keys in self.fields:
            self.repeated.append(str(field.label))
            return
        self.first_row = self.first_row or number
        self.fields[keys] = [field, [value], [(number, value_index + 1)]]
        self.last = (keys, label_index)

    def line(self, number: int, row: Sequence[Any], columns: tuple[int, int] | None) -> None:
        filled = [i for i, v in enumerate(row) if not is_blank(v)]
        if columns is not None:
            if self.fields or any(i in columns for i in filled):
                self.add(number, *columns, row)
            return
        starts = [i for i in filled if _normalise_header(row[i]) in self.labels]
        if not self.fields and not starts:
            self.title = self.title or text(row[filled[0]])
            return
        if not starts and self.last is not None:
            starts = [self.last[1]]  # a continuation line, or an unknown label
        used = set()
        for index in starts:
            self.add(number, index, index + 1, row)
            used |= {index, index + 1}
        self.unknown += [text(row[i])[:30] for i in filled if i not in used]


def _column_titles(sheet: r.Sheet, row: Sequence[Any]) -> tuple[int, int] | None:
    """(label column, value column) when the line titles the form's columns."""
    names = [_normalise_header(v) for v in row]
    ours = [_normalise_header(title) for title in sheet.form_header]
    labels = (*ours[:1], *LABEL_TITLES)
    label = next((i for i, n in enumerate(names) if n in labels), None)
    for title in (*ours[-1:], *VALUE_TITLES):
        if label is not None and title in names:
            return label, names.index(title)
    return None


def read_form(
    sheet: r.Sheet, rows: Sequence[Sequence[Any]], formulas: set, meta: dict[str, str]
) -> Table:
    """The record of a form as one row of column values (see module docstring)."""
    reader = _Reader(sheet)
    columns = None
    for number, row in enumerate(rows, start=1):
        if not any(not is_blank(v) for v in row):
            continue
        if columns is None and not reader.fields:
            columns = _column_titles(sheet, row)
            if columns is not None:
                continue
        reader.line(number, row, columns)
    record: dict[str, Any] = {}
    notes: list[tuple[str, str, bool]] = []
    cells: list[tuple[str, str]] = []
    for field, values, addresses in reader.fields.values():
        filled = [v for v in values if not is_blank(v)]
        raw = filled[0] if len(filled) == 1 else "\n".join(text(v) for v in filled) or None
        try:
            record.update(sheet.form_read(field, raw))
        except ValueError as error:
            notes.append((str(field.label), str(error), False))
            continue
        for row_number, column in addresses:
            if (row_number, column) in formulas:
                address = f"{get_column_letter(column)}{row_number}"
                cells += [(key, address) for key in field.keys]
    notes += [(str(n.column), str(n.message), True) for n in sheet.read_row(record)]
    number = reader.first_row or 1
    problems = []
    if reader.unknown:
        problems.append(_("无法识别的字段：%(names)s") % {"names": "、".join(reader.unknown)})
    if reader.repeated:
        problems.append(_("重复的字段：%(names)s") % {"names": "、".join(reader.repeated)})
    found = REQUIREMENT_NUMBER.search(reader.title)
    version = meta.get(VERSION_KEY % sheet.key, "") if meta else ""
    has_data = any(not is_blank(v) for v in record.values()) or notes
    return Table(
        rows=[(number, record)] if has_data else [],
        present=list(record),
        meta=meta,
        versions={number: version} if version else {},
        formulas={number: cells} if cells else {},
        problems=[
            _("表单与模板“%(title)s”不一致（%(detail)s）。请使用下载的表单，不要修改字段名称。")
            % {"title": str(sheet.title), "detail": "；".join(problems)}
        ]
        if problems
        else [],
        notes={number: notes} if notes else {},
        requirement_number=found.group(0) if found else "",
    )
