"""The task register as sheet rows, read as plain values.

A large export (or the comparison base of an import) builds no model instance: tasks
come as value tuples in chunks of 2,000, each chunk's collaborators and predecessors in
three queries, and the labels (负责部门/人, 协作部门/人, statuses) from maps filled once
per department, person or combination."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import F

from collab.accounts.models import Department, User
from collab.core.bulk import InList
from collab.spreadsheets.cells import owner_label

from .models import Task

CHUNK = 2000
FIELDS = (
    "pk",
    "code",
    "name",
    "owner_department_id",
    "owner_id",
    "planned_start",
    "planned_end",
    "actual_end",
    "status",
    "deliverable",
    "priority",
    "progress",
    "requirement__number",
)


def collaborator_labels(departments: list[Department], users: list[User]) -> str:
    """协作部门/人: each department (by code) with its first collaborator (by username),
    then the collaborators left over."""
    users = list(users)
    parts = []
    for department in departments:
        user = next((u for u in users if u.department_id == department.pk), None)
        if user is not None:
            users.remove(user)
        parts.append(owner_label(department, user))
    parts.extend(owner_label(u.department, u) for u in users)
    return "、".join(parts)


class Labels:
    """Departments, people and the labels made of them, loaded as rows need them."""

    def __init__(self):
        self.departments: dict[int, Department] = {}
        self.users: dict[int, User] = {}
        self._owners: dict[tuple, str] = {}
        self._collaborators: dict[tuple, str] = {}

    def load(self, department_ids: set[int], user_ids: set[int]) -> None:
        missing = user_ids - self.users.keys()
        if missing:
            found = User.objects.select_related("department").in_bulk(missing)
            self.users.update(found)
            for user in found.values():
                if user.department is not None:
                    self.departments.setdefault(user.department_id, user.department)
        missing = department_ids - self.departments.keys()
        if missing:
            self.departments.update(Department.objects.in_bulk(missing))

    def owner(self, department_id: int | None, user_id: int | None) -> str:
        key = (department_id, user_id)
        found = self._owners.get(key)
        if found is None:
            found = self._owners[key] = owner_label(
                self.departments.get(department_id), self.users.get(user_id)
            )
        return found

    def collaborators(self, department_ids: tuple, user_ids: tuple) -> str:
        key = (department_ids, user_ids)
        found = self._collaborators.get(key)
        if found is None:
            departments = sorted((self.departments[pk] for pk in department_ids), key=_code)
            users = sorted((self.users[pk] for pk in user_ids), key=_username)
            found = self._collaborators[key] = collaborator_labels(departments, users)
        return found


def _code(department: Department) -> str:
    return department.code


def _username(user: User) -> str:
    return user.username


def _links(ids: list[int]) -> tuple[dict, dict, dict]:
    """Per task id: collaborating department ids, collaborator ids, predecessor codes."""
    departments: dict[int, list[int]] = {}
    users: dict[int, list[int]] = {}
    codes: dict[int, list[str]] = {}
    through = Task.collaborating_departments.through.objects.filter(InList(F("task_id"), ids))
    for task_id, department_id in through.values_list("task_id", "department_id"):
        departments.setdefault(task_id, []).append(department_id)
    through = Task.collaborators.through.objects.filter(InList(F("task_id"), ids))
    for task_id, user_id in through.values_list("task_id", "user_id"):
        users.setdefault(task_id, []).append(user_id)
    through = Task.depends_on.through.objects.filter(InList(F("from_task_id"), ids))
    for task_id, code in through.values_list("from_task_id", "to_task__code"):
        codes.setdefault(task_id, []).append(code)
    return departments, users, codes


def task_rows(queryset, *, statuses: dict, priorities: dict) -> Iterator[tuple[int, tuple]]:
    """(task id, sheet row in the TaskSheet's column order) for the queryset's tasks,
    in its order. `statuses` / `priorities`: code -> label written to the sheet."""
    values = queryset.prefetch_related(None).values_list(*FIELDS).iterator(chunk_size=CHUNK)
    labels = Labels()
    empty: tuple = ()
    while chunk := list(islice(values, CHUNK)):
        departments, users, codes = _links([row[0] for row in chunk])
        labels.load(
            {row[3] for row in chunk} | {d for ids in departments.values() for d in ids},
            {row[4] for row in chunk} | {u for ids in users.values() for u in ids},
        )
        for (
            pk,
            code,
            name,
            dept,
            owner,
            start,
            end,
            actual,
            status,
            deliverable,
            priority,
            progress,
            number,
        ) in chunk:
            collaborators = labels.collaborators(
                tuple(sorted(departments.get(pk, empty))), tuple(sorted(users.get(pk, empty)))
            )
            yield (
                pk,
                (
                    code,
                    name,
                    labels.owner(dept, owner),
                    collaborators,
                    start,
                    end,
                    actual,
                    statuses.get(status, status or ""),
                    deliverable,
                    priorities.get(priority, priority or ""),
                    progress,
                    "、".join(sorted(codes.get(pk, empty))),
                    number,
                ),
            )
