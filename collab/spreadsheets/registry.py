"""What a register tells the engine about its sheet. Register apps describe their
sheet in `<app>/excel.py` and pass it to `register_sheet(...)` from their own
AppConfig.ready(); the engine never imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TEXT = "text"
DATE = "date"
CHOICE = "choice"
DEPARTMENT = "department"
DEPARTMENTS = "departments"
PERSON = "person"
INTEGER = "integer"
OWNER = "owner"  # 负责部门/人: a department and, where known, its person
OWNERS = "owners"  # 协作部门/人: several of those


@dataclass(frozen=True, eq=False)
class Column:
    key: str
    header: str  # exactly as the paper template names it
    kind: str = TEXT
    width: int = 14
    required: bool = False
    choices: Sequence[tuple[str, str]] = ()  # (code, label written to the sheet)
    aliases: Sequence[str] = ()  # other headers accepted on import
    fields: Sequence[str] = ()  # service field names whose errors belong to this column
    wrap: bool = False
    in_header: bool = True  # part of the blank template's header (False: optional extra)
    identifier: str = (
        ""  # "wbs" (1.10 is not 1.1) or "serial" (001): ids Excel may turn into numbers
    )
    help: str = ""  # input help, written as the header cell's comment
    # Comparable text of a text cell, where wording may differ but mean the same (a
    # numbered list written 1. or 1、); must not raise.
    compare: Callable[[str], str] | None = None


@dataclass(frozen=True, eq=False)
class FormField:
    """One line of a sheet's field/value form (the paper templates 1 and 4)."""

    label: str  # as the paper template names the field
    keys: Sequence[str]  # the columns it shows (时间节点: start and end date)
    help: str = ""  # the paper template's 填写说明
    aliases: Sequence[str] = ()


@dataclass
class RowError:
    column: str  # header, "" for the whole row
    message: str

    def as_dict(self) -> dict:
        return {"column": str(self.column), "message": str(self.message)}


@dataclass
class ParsedRow:
    row: int  # sheet row number as Excel shows it
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    key: str = ""  # value of the match column (number / WBS code / record id)
    action: str = "error"  # create / update / unchanged / conflict / error
    changes: list[dict] = field(default_factory=list)  # {field, label, old, new[, conflict]}
    plan: dict | None = None  # what confirming writes (sheets with a bulk path)


class Sheet:
    """One register's sheet. Subclasses set the attributes and implement the hooks."""

    key: str = ""  # "requirements", "tasks", "risks", "review"
    title: str = ""  # sheet title, e.g. 任务分工与进度跟踪表
    columns: Sequence[Column] = ()
    scoped: bool = True  # True: rows belong to one requirement
    match_column: str = ""  # key of the column that identifies a row on re-import
    export_order: int = 50
    # True: an update passes only the changed columns to apply(); False: apply() gets
    # every column, the unchanged ones read back from the record's current export.
    partial_updates: bool = True
    # Field/value form: one record per worksheet, a field and its value on each line, as
    # the paper template prints it. `layout` is how one requirement's record is exported
    # ("rows" or "form"); a sheet with `form` fields reads both layouts.
    form: Sequence[FormField] = ()
    form_header: Sequence[str] = ()  # the form's column titles; none: label | value pairs
    layout: str = "rows"

    # Export
    def export_queryset(self, user, params, requirement=None):
        raise NotImplementedError

    def export_rows(self, queryset) -> Iterator[Sequence[Any]]:
        """Rows of values in column order (dates as date objects)."""
        for record in queryset.iterator(chunk_size=2000):
            yield self.row_of(record)

    def row_of(self, record) -> Sequence[Any]:
        """One record as the values of its sheet row, in column order."""
        raise NotImplementedError

    def scope_queryset(self, context: dict):
        """Every record an import may match, ready for row_of() (comparison base)."""
        raise NotImplementedError

    def current_rows(self, context: dict) -> Iterator[tuple[Any, Sequence[Any]]]:
        """(record, its row values) for every record an import may match; the record
        is what check(), apply() and plan() receive as the row's current record."""
        for record in self.scope_queryset(context):
            yield record, self.row_of(record)

    def record_key(self, record, row: Sequence[Any]) -> str:
        """The match key of a record (its match column's text)."""
        if not self.match_column:
            return ""
        index = [c.key for c in self.columns].index(self.match_column)
        return str(row[index] or "")

    def identity(self, requirement) -> dict[str, str]:
        """Columns that name the requirement a file belongs to: {column key: expected}."""
        return {}

    def ignores(self, key: str, row: dict[str, str]) -> bool:
        """True when a changed cell is not imported given the rest of the row (its
        comparable texts), e.g. a finish date of a task that is not finished."""
        return False

    def same_identity(self, key: str, found: str, expected: str) -> bool:
        return found == expected

    def plan(self, work: list, context: dict, progress) -> bool:
        """Check the new and changed rows, given as (ParsedRow, CurrentRecord or None)
        in file order, in memory with the register's own rules, as its services would
        apply them one after the other: errors and warnings go to each ParsedRow, and
        `parsed.plan` (JSON) holds what confirming writes ({} for nothing). Call
        progress.step() once per row. Returns False when the sheet has no such path;
        the engine then tries apply() row by row and rolls it back."""
        return False

    # Form layout
    def form_value(self, field: FormField, row: dict[str, Any]) -> Any:
        """The form's cell for `field`, from the record's row values by column key."""
        return row.get(field.keys[0])

    def form_read(self, field: FormField, raw: Any) -> dict[str, Any]:
        """A form cell back into the raw values of its columns; raises ValueError with
        the message shown against the field."""
        return {field.keys[0]: raw}

    def read_row(self, values: dict[str, Any]) -> list[RowError]:
        """Adjust one file row as read, in either layout (e.g. a rating written with its
        comment in brackets), and return notes about it shown as warnings."""
        return []

    def equivalent(self, key: str, new: str, old: str) -> bool:
        """True when the file's comparable text differs from Collab's but changes
        nothing (e.g. list items written without details Collab already has)."""
        return False

    def write(self, plans: list[dict], context: dict, progress) -> None:
        """Write planned rows in bulk, inside the caller's transaction, without
        checking them again (the caller made sure nothing changed since)."""
        raise NotImplementedError

    # Import
    def import_context(self, *, actor, requirement=None) -> dict:
        """Lookups shared by every row (departments, people, existing records)."""
        return {}

    def existing(self, values: dict, context: dict):
        """The record this row updates, or None to create one."""
        return None

    def check(self, parsed: ParsedRow, context: dict) -> None:
        """Register-specific warnings or errors beyond the cell types (append to parsed)."""

    def apply(self, values: dict, existing, context: dict) -> list[RowError] | None:
        """Write one row through the register's services; raise ValidationError.
        May return warnings found while writing (e.g. a status that could not be set)."""
        raise NotImplementedError

    # Helpers
    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def column_for_field(self, field_name: str) -> Column | None:
        for column in self.columns:
            if field_name == column.key or field_name in column.fields:
                return column
        return None


SHEETS: dict[str, Sheet] = {}
_scope_key: str | None = None


def register_sheet(sheet: Sheet, *, scope: bool = False) -> Sheet:
    """Offer a register's sheet to the engine. `scope=True` marks the register whose
    records the scoped sheets belong to (the requirement register): its sheet answers
    `visible_requirement(user, pk)` and `summary(requirement)` for the engine. Raises on
    a key registered twice or a second scope."""
    global _scope_key
    if sheet.key in SHEETS:
        raise ImproperlyConfigured(f"spreadsheets: sheet {sheet.key!r} registered twice")
    if scope:
        if _scope_key is not None:
            raise ImproperlyConfigured(
                f"spreadsheets: {sheet.key!r} and {_scope_key!r} both claim to be the scope"
            )
        _scope_key = sheet.key
    SHEETS[sheet.key] = sheet
    return sheet


def scope_sheet() -> Sheet | None:
    """The sheet of the register the scoped sheets belong to."""
    return SHEETS.get(_scope_key) if _scope_key else None


def get_sheet(key: str) -> Sheet | None:
    return SHEETS.get(key)


def sheets(*, scoped: bool | None = None) -> Iterable[Sheet]:
    found = [s for s in SHEETS.values() if scoped is None or s.scoped == scoped]
    return sorted(found, key=lambda s: s.export_order)
