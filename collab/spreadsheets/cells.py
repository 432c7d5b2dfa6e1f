"""Cell values <-> Python values: dates, choices, departments and people.

Departments may be written by name (市场部), code (MKT) or masked name (市场部*);
people by username, display name or masked name; choices by code or Chinese label."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from collab.accounts.models import Department, User

from . import registry as r

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
# What a Chinese IME types in structured cells (市场部＊, 产品部，设计部); free text keeps them.
FULLWIDTH = str.maketrans(
    {"＊": "*", "，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "／": "/", "　": " "}
)
EXCEL_EPOCH = datetime.date(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31
DATE_TIME = re.compile(r"^(.+?)[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
YEARLESS = (
    re.compile(r"^(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{1,2})[-/.](\d{1,2})$"),
)
DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


class CellError(ValueError):
    """A value that cannot be read; the message is shown against the cell."""


@dataclass(frozen=True)
class Owner:
    department: Department
    user: User | None = None


def text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


def parse_date(raw: Any) -> datetime.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value = text(raw)
    for pattern in DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(_("“%(value)s”不是有效日期，请填写如 2024-07-15 的日期") % {"value": value})


def fold(value: str) -> str:
    return value.translate(FULLWIDTH).strip()


def _year_from_window(month: int, day: int, window) -> tuple[datetime.date, int]:
    start, end = window
    for year in range(start.year, end.year + 1):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        if start <= candidate <= end:
            return candidate, year
    return datetime.date(start.year, month, day), start.year


def normalise(column: r.Column, raw: Any, *, window=None) -> tuple[Any, str | None]:
    """A cell as the person who typed it meant it: (value, note shown as a warning).

    Date-time cells take their date, Excel serial numbers in date columns are dates,
    dates without a year take it from `window` (the requirement's start and end),
    numeric ids get their text back (1 -> 001) or are refused where the number cannot
    say what was typed (a WBS code 7.1 may have been 7.10), and full-width ＊，：； in
    structured cells become ASCII. Raises CellError."""
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n").strip()
        if raw.startswith("'") and raw[1:].startswith(FORMULA_PREFIXES):
            raw = raw[1:]  # the quote our CSV export puts before formula-like text
        if not raw:
            return None, None
    if raw is None:
        return None, None
    if isinstance(raw, datetime.time):
        raw = raw.strftime("%H:%M")
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if column.kind == r.DATE:
        if isinstance(raw, datetime.datetime):
            return raw.date(), None
        if isinstance(raw, datetime.date):
            return raw, None
        if number:
            if 1 <= raw <= MAX_SERIAL:
                return EXCEL_EPOCH + datetime.timedelta(days=int(raw)), None
            raise CellError(
                _("“%(value)s”不是有效日期，请填写如 2024-07-15 的日期") % {"value": raw}
            )
        value = fold(str(raw))
        match = DATE_TIME.match(value)
        if match:
            value = match.group(1)
        for pattern in YEARLESS:
            found = pattern.match(value)
            if found and window:
                month, day = (int(part) for part in found.groups())
                try:
                    date, year = _year_from_window(month, day, window)
                except ValueError:
                    break
                return date, _("“%(value)s”未写年份，按需求时间窗口取 %(year)d 年") % {
                    "value": value,
                    "year": year,
                }
        return parse_date(value), None
    if column.identifier and number:
        if float(raw).is_integer():
            if column.identifier == "serial":
                return f"{int(raw):03d}", None
            return str(int(raw)), None
        raise CellError(
            _(
                "“%(value)s”被 Excel 存成了数字，无法确定原来写的是 %(value)s 还是 %(value)s0；"
                "请把该列设置为“文本”格式，重新填写后再上传"
            )
            % {"value": raw}
        )
    if column.kind == r.TEXT and not column.identifier:
        return text(raw), None
    return fold(text(raw)), None


def canonical(column: r.Column, value: Any, directory: Directory | None = None) -> str:
    """Comparable text of a normalised value: what counts as 'the same' in a diff
    (with a directory, 运营部, OPS and 运营部* name the same department)."""
    if value is None or value == "":
        return ""
    if column.kind == r.DATE:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    value = text(value)
    if column.kind == r.CHOICE:
        try:
            found = directory.choice(column, value) if directory else parse_choice(column, value)
        except CellError:
            return value
        return found or ""
    if column.kind in (r.DEPARTMENTS, r.OWNERS, r.DEPARTMENT, r.OWNER, r.PERSON):
        parts = [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]
        if directory is not None:
            names = [directory.canonical(column.kind, part) for part in parts]
        else:
            # 运营部* (the department, its person masked) names what 运营部 names.
            names = [part.rstrip("*").strip() for part in parts]
        # Several departments or people are a set: 产品部、销售部 is 销售部、产品部.
        return "、".join(sorted(names) if column.kind in (r.DEPARTMENTS, r.OWNERS) else names)
    if column.kind == r.INTEGER:
        try:
            return str(int(float(value)))
        except ValueError:
            return value
    if column.key in ("depends_on",):
        return "、".join(part.strip() for part in LIST_SEPARATORS.split(value) if part.strip())
    if column.compare is not None:
        return column.compare(value)
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def cell_canonical(column: r.Column, raw: Any, directory: Directory | None = None) -> str:
    try:
        value, _note = normalise(column, raw)
    except CellError:
        return text(raw)
    return canonical(column, value, directory)


def parse_choice(column: r.Column, raw: Any) -> str | None:
    value = fold(text(raw))
    if not value:
        return None
    folded = value.replace(" ", "").upper()
    for code, label in column.choices:
        label = str(label)
        candidates = {code.upper(), label.replace(" ", "").upper(), *label.upper().split()}
        if folded in candidates or value.upper() in candidates:
            return code
    codes = {code.upper(): code for code, _label in column.choices}
    for token in value.replace("(", " ").replace(")", " ").split():  # 高(P0)
        if token.upper() in codes:
            return codes[token.upper()]
    allowed = "、".join(str(label) for _code, label in column.choices)
    raise CellError(
        _("“%(value)s”不在可选值中（%(allowed)s）") % {"value": value, "allowed": allowed}
    )


def choice_label(column: r.Column, code: str | None) -> str:
    for value, label in column.choices:
        if value == code:
            return str(label)
    return code or ""


class Directory:
    """Departments and people, loaded once per import."""

    def __init__(self):
        self._canonical: dict[tuple[str, str], str] = {}
        self._choices: dict[tuple[r.Column, Any], str | None] = {}
        self.departments: dict[str, Department] = {}
        for department in Department.objects.all():
            for key in (department.name, department.code, department.code.upper()):
                self.departments[key] = department
        self.users: dict[str, list[User]] = {}
        users = User.objects.filter(is_active=True).select_related("department")
        for user in users.order_by("pk"):
            keys = {user.username, user.display_name, user.get_full_name()}
            for key in filter(None, keys):
                bucket = self.users.setdefault(key, [])
                if user not in bucket:
                    bucket.append(user)

    def choice(self, column: r.Column, raw: Any) -> str | None:
        """parse_choice, remembered per column and cell text (raises CellError)."""
        key = (column, raw)  # columns compare by identity
        try:
            return self._choices[key]
        except KeyError:
            pass
        found = self._choices[key] = parse_choice(column, raw)
        return found

    def canonical(self, kind: str, part: str) -> str:
        """One department / person / owner as comparable text (cached)."""
        key = (kind, part)
        found = self._canonical.get(key)
        if found is not None:
            return found
        try:
            if kind in (r.DEPARTMENT, r.DEPARTMENTS):
                found = self.department(part).name
            elif kind == r.PERSON:
                found = "@" + self.person(part).username
            else:
                owner = self.owner(part)
                found = owner.department.name
                if owner.user is not None:
                    found += "/@" + owner.user.username
        except CellError:
            found = part.rstrip("*").strip()
        self._canonical[key] = found
        return found

    def department(self, raw: Any) -> Department | None:
        value = fold(text(raw))
        if not value:
            return None
        found = self.departments.get(value) or self.departments.get(value.rstrip("*").strip())
        if found is None:
            found = self.departments.get(value.upper())
        if found is None:
            raise CellError(_("未找到部门“%(value)s”") % {"value": value})
        return found

    def departments_list(self, raw: Any) -> list[Department]:
        result: list[Department] = []
        for part in LIST_SEPARATORS.split(text(raw)):
            if part.strip():
                department = self.department(part)
                if department not in result:
                    result.append(department)
        return result

    def person(self, raw: Any) -> User | None:
        value = fold(text(raw))
        if not value:
            return None
        matches = self.users.get(value, [])
        if len(matches) > 1:
            raise CellError(_("“%(value)s”对应多名人员，请改填用户名") % {"value": value})
        if matches:
            return matches[0]
        raise CellError(_("未找到人员“%(value)s”") % {"value": value})

    def owner(self, raw: Any) -> Owner | None:
        """`部门/人`, `部门`, `人` or the masked `部门*`."""
        value = fold(text(raw))
        if not value:
            return None
        if "/" in value:
            dept_text, person_text = (part.strip() for part in value.split("/", 1))
            department = self.department(dept_text)
            user = self.person(person_text) if person_text and person_text != "*" else None
            if user is not None and user.department_id != department.pk:
                raise CellError(
                    _("“%(person)s”不属于%(dept)s")
                    % {"person": person_text, "dept": department.name}
                )
            return Owner(department, user)
        matches = self.users.get(value, [])
        if len(matches) == 1 and matches[0].department_id:
            return Owner(matches[0].department, matches[0])
        if value in self.departments:
            return Owner(self.departments[value])
        if value.endswith("*") and value.rstrip("*") in self.departments:
            return Owner(self.departments[value.rstrip("*")])
        if len(matches) > 1:
            raise CellError(_("“%(value)s”对应多名人员，请改填用户名") % {"value": value})
        raise CellError(_("未找到部门或人员“%(value)s”") % {"value": value})

    def owners(self, raw: Any) -> list[Owner]:
        result: list[Owner] = []
        for part in LIST_SEPARATORS.split(text(raw)):
            if part.strip():
                owner = self.owner(part)
                if owner not in result:
                    result.append(owner)
        return result


def owner_label(department: Department | None, user: User | None = None) -> str:
    """How 负责部门/人 is written: the masked label when it names the department."""
    if department is None:
        return user.label if user else ""
    if user is None:
        return department.name
    label = user.label
    if label.startswith(department.name):
        return label
    return f"{department.name}/{label}"


def parse_cell(column: r.Column, raw: Any, directory: Directory) -> Any:
    """Convert one cell; raises CellError with a Chinese message."""
    if column.kind == r.DATE:
        return parse_date(raw)
    if column.kind == r.CHOICE:
        return directory.choice(column, raw)
    if column.kind == r.DEPARTMENT:
        return directory.department(raw)
    if column.kind == r.DEPARTMENTS:
        return directory.departments_list(raw)
    if column.kind == r.PERSON:
        return directory.person(raw)
    if column.kind == r.OWNER:
        return directory.owner(raw)
    if column.kind == r.OWNERS:
        return directory.owners(raw)
    if column.kind == r.INTEGER:
        value = text(raw)
        if not value:
            return None
        try:
            return int(float(value))
        except ValueError as error:
            raise CellError(_("“%(value)s”不是数字") % {"value": value}) from error
    return text(raw)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())
