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


def parse_choice(column: r.Column, raw: Any) -> str | None:
    value = text(raw)
    if not value:
        return None
    folded = value.replace(" ", "").upper()
    for code, label in column.choices:
        label = str(label)
        candidates = {code.upper(), label.replace(" ", "").upper(), *label.upper().split()}
        if folded in candidates or value.upper() in candidates:
            return code
    codes = {code.upper(): code for code, _label in column.choices}
    for token in value.split():
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

    def department(self, raw: Any) -> Department | None:
        value = text(raw)
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
        value = text(raw)
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
        value = text(raw)
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
        return parse_choice(column, raw)
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
