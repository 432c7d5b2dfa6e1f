"""Many rows of the task register at once (a spreadsheet import), checked in memory.

`TaskPlanner` holds one requirement's task register in memory and changes it row by
row exactly as the services would: task_create's, task_update's and the transitions'
own rules (`prepare_create`, `prepare_update`, `prepare_transition`), in file order, so
a later row sees what the earlier ones did. Nothing is written: `plan()` gives, per
changed task, its final state, which `bulk_write.task_plans_write` writes in bulk."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.core.transitions import TransitionBlocked
from requests_app.models import Requirement

from .models import Task
from .selectors import would_cycle
from .services import (
    TASK_RELATIONS,
    involved_departments,
    prepare_create,
    prepare_transition,
    prepare_update,
)

# Fields a plan carries (the task's state); the writer adds the rest.
PLAN_FIELDS = tuple(
    f
    for f in Task._meta.concrete_fields
    if f.attname not in ("id", "requirement_id", "code_sort", "updated_at")
)
STATE_FIELDS = ("status", "actual_end", "progress", "block_reason", "cancel_reason")


def json_value(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _identity(obj):
    return obj.code if isinstance(obj, Task) else obj.pk


def _cached(task: Task, name: str, objects: list) -> None:
    """Serve task.<name>.all() from memory (the transitions' conditions read it)."""
    queryset = Task.objects.none()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache = task.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


class TaskPlanner:
    """The task register of one requirement in memory; four queries, then none per row.
    Every method raises what the matching service raises (ValidationError,
    PermissionDenied, TransitionBlocked) and leaves the task as it was when it does."""

    def __init__(self, *, requirement: Requirement, actor: User, reason: str):
        self.actor, self.reason = actor, reason
        self.requirement = Requirement.objects.prefetch_related("members", "departments").get(
            pk=requirement.pk
        )
        tasks = list(Task.objects.filter(requirement=self.requirement))
        by_pk = {task.pk: task for task in tasks}
        departments = Department.objects.in_bulk()
        people_ids = {task.owner_id for task in tasks}
        links = {}
        for name in TASK_RELATIONS:
            field = Task._meta.get_field(name)
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            links[name] = list(
                field.remote_field.through.objects.filter(
                    **{f"{source}__requirement": self.requirement}
                ).values_list(f"{source}_id", f"{target}_id")
            )
            if name == "collaborators":
                people_ids.update(target_id for _task, target_id in links[name])
        people = User.objects.select_related("department").in_bulk(people_ids)
        targets = {"collaborating_departments": departments, "collaborators": people}
        self.relations: dict[str, dict[str, list]] = {}
        for task in tasks:
            # Related rows from memory: no query per task when a rule reads them.
            task.requirement = self.requirement
            task.owner_department = departments[task.owner_department_id]
            task.owner = people[task.owner_id]
            self.relations[task.code] = {name: [] for name in TASK_RELATIONS}
        for name, pairs in links.items():
            lookup = targets.get(name, by_pk)
            for task_id, target_id in pairs:
                self.relations[by_pk[task_id].code][name].append(lookup[target_id])
        self.by_pk = by_pk
        self.codes: dict[str, Task] = {task.code: task for task in tasks}  # taken codes
        self.named: dict[str, Task] = dict(self.codes)  # what a dependency code may name
        self.edges: dict[str, set[str]] = {}
        for task in tasks:
            self.edges[task.code] = {d.code for d in self.relations[task.code]["depends_on"]}
        self.top = max((self._top_level(code) for code in self.codes), default=0)
        self.known = {
            "involved": involved_departments(self.requirement),
            "codes": self.codes,
            "would_cycle": self._would_cycle,
        }
        self.created: dict[str, Task] = {}
        self.changed: dict[str, set[str]] = {}  # code -> fields changed
        self.changed_relations: dict[str, set[str]] = {}

    @staticmethod
    def _top_level(code: str) -> int:
        head = code.split(".")[0]
        return int(head) if head.isdigit() else 0

    def _would_cycle(self, task: Task, depends_on: list[Task]) -> bool:
        deps = {d.code for d in depends_on}
        if deps == self.edges.get(task.code, set()):
            return False  # unchanged, and the register never holds a cycle
        return would_cycle(self.edges, task.code, deps)

    # Rows
    def announce(self, codes: Iterable[str]) -> None:
        """Codes of the tasks the file creates, so rows may name them as predecessors
        before (or after) the row that creates them."""
        for code in codes:
            if code and code not in self.named:
                self.named[code] = Task(requirement=self.requirement, code=code)

    def task(self, pk: int) -> Task:
        return self.by_pk[pk]

    def resolve(self, codes: list[str]) -> list[Task]:
        missing = [code for code in codes if code not in self.named]
        if missing:
            raise ValidationError(
                {"depends_on": _("前置任务不存在：%(codes)s") % {"codes": "、".join(missing)}}
            )
        return [self.named[code] for code in codes]

    def differs(self, task: Task, data: dict) -> bool:
        """Whether task_update would change anything (the importer skips it if not)."""
        current = self.relations[task.code]
        for key, value in data.items():
            if key in TASK_RELATIONS:
                if {_identity(v) for v in value} != {_identity(v) for v in current[key]}:
                    return True
            elif key in ("owner_department", "owner"):
                if getattr(task, f"{key}_id") != getattr(value, "pk", None):
                    return True
            elif getattr(task, key) != value:
                return True
        return False

    def create(self, data: dict) -> Task:
        """A new task with task_create's arguments (and its rules)."""
        code = (data.get("code") or "").strip()
        if code:
            task = self.named.get(code) if code not in self.codes else None
            task = task or Task(requirement=self.requirement, code=code)
        else:
            code = str(self.top + 1)
            task = Task(requirement=self.requirement, code=code)
        task.name = data.get("name")
        task.owner_department = data.get("owner_department")
        task.owner = data.get("owner")
        task.planned_start = data.get("planned_start")
        task.planned_end = data.get("planned_end")
        task.deliverable = data.get("deliverable") or ""
        task.priority = data.get("priority", "P1")
        task.progress = data.get("progress") or 0
        relations = {key: list(data.get(key) or []) for key in TASK_RELATIONS}
        try:
            prepare_create(task, actor=self.actor, relations=relations, known=self.known)
        except (ValidationError, PermissionDenied):
            if self.named.get(code) is task and code not in self.codes:
                del self.named[code]  # later rows find no such task, as in the register
            raise
        self.codes[code] = self.named[code] = self.created[code] = task
        self.top = max(self.top, self._top_level(code))
        self._relate(task, relations, TASK_RELATIONS)
        return task

    def update(self, task: Task, data: dict) -> None:
        """Changed register fields (task_update's arguments and rules)."""
        saved = self._snapshot(task)
        try:
            relations = prepare_update(
                task,
                actor=self.actor,
                data=data,
                current=self.relations[task.code],
                known=self.known,
            )
        except (ValidationError, PermissionDenied):
            self._restore(task, saved)
            raise
        changed = [key for key in data if key not in TASK_RELATIONS]
        self.changed.setdefault(task.code, set()).update(changed)
        self._relate(task, relations, [key for key in TASK_RELATIONS if key in data])

    def drive(self, task: Task, steps: Iterable[str], actual_end=None) -> None:
        """Transitions in order, each with its service's rules; all or none."""
        saved = self._snapshot(task)
        fields: set[str] = set()
        _cached(task, "depends_on", self.relations[task.code]["depends_on"])
        if task.pk is None:
            task.pk = -1  # a new task: its relation managers need a key (they read memory)
        try:
            for step in steps:
                fields.update(
                    prepare_transition(
                        task, step, actor=self.actor, reason=self.reason, actual_end=actual_end
                    )
                )
        except (TransitionBlocked, PermissionDenied, ValidationError):
            self._restore(task, saved)
            raise
        finally:
            if task.pk == -1:
                task.pk = None
        fields.discard("updated_at")
        self.changed.setdefault(task.code, set()).update(fields)

    def _relate(self, task: Task, relations: dict, names: Iterable[str]) -> None:
        self.relations[task.code] = relations
        for name in names:
            self.changed_relations.setdefault(task.code, set()).add(name)
        self.edges[task.code] = {d.code for d in relations["depends_on"]}

    @staticmethod
    def _snapshot(task: Task) -> tuple:
        values = {f.attname: task.__dict__.get(f.attname) for f in Task._meta.concrete_fields}
        extra = {
            k: task.__dict__[k] for k in ("_history_user", "_change_reason") if k in task.__dict__
        }
        return values, dict(task._state.fields_cache), extra

    @staticmethod
    def _restore(task: Task, saved: tuple) -> None:
        values, cache, extra = saved
        task.__dict__.update(values)  # status is protected: set past its descriptor
        task._state.fields_cache = cache
        for key in ("_history_user", "_change_reason"):
            task.__dict__.pop(key, None)
        task.__dict__.update(extra)

    # Result
    def plan(self, task: Task) -> dict | None:
        """What confirming writes for this task: its final state, or None when the row
        changes nothing."""
        code = task.code
        created = self.created.get(code) is task
        fields = self.changed.get(code, set())
        relations = self.changed_relations.get(code, set())
        if not created and not fields and not relations:
            return None
        current = self.relations[code]
        return {
            "id": None if created else task.pk,
            "fields": {f.attname: json_value(getattr(task, f.attname)) for f in PLAN_FIELDS},
            "changed": sorted(fields),
            "relations": {
                "collaborating_departments": [d.pk for d in current["collaborating_departments"]],
                "collaborators": [u.pk for u in current["collaborators"]],
                "depends_on": [d.code for d in current["depends_on"]],
            },
            "changed_relations": sorted(relations),
        }
