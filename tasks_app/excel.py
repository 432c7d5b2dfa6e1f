"""Template 2 任务分工与进度跟踪表 as a spreadsheet. Rows are matched by 任务ID (WBS code)
within the requirement and written through tasks_app.services; a status in the file is
reached through the task's own transitions."""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.accounts.models import Department, User
from collab.core.api import list_filtered
from collab.core.transitions import TransitionBlocked
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import choice_label, owner_label
from requests_app.models import GroupRole, Priority

from . import bulk, bulk_write, events, excel_rows, services
from .lifecycle import TASK_LIFECYCLE
from .models import Task, TaskStatus

IMPORT_REASON = gettext_lazy("Excel 导入")


class TaskRef(NamedTuple):
    """A task an import row matches, by its id (the comparison base reads no model)."""

    pk: int


def _codes(value) -> list[str]:
    text = (value or "").replace("，", "、").replace(",", "、")
    return [c.strip() for c in text.split("、") if c.strip()]


def _errors(sheet, error: ValidationError) -> list[r.RowError]:
    found = []
    if hasattr(error, "error_dict"):
        for field_name, messages in error.message_dict.items():
            column = sheet.column_for_field(field_name)
            found.extend(r.RowError(column.header if column else "", m) for m in messages)
    else:
        found.extend(r.RowError("", m) for m in error.messages)
    return found


def status_path(current: str, target: str) -> tuple[str, ...] | None:
    """The transitions that bring a task from `current` to the status in the file
    (None: not reachable by an import)."""
    return TASK_LIFECYCLE.path(current, target)


def _collaborator_labels(task: Task) -> str:
    users = list(task.export_collaborators)
    parts = []
    for department in task.export_departments:
        user = next((u for u in users if u.department_id == department.pk), None)
        if user is not None:
            users.remove(user)
        parts.append(owner_label(department, user))
    parts.extend(owner_label(u.department, u) for u in users)
    return "、".join(parts)


def _created_first(plans: list[dict]) -> list[dict]:
    """The plans in the order task_plans_write returns their tasks: new ones first."""
    return [p for p in plans if p["id"] is None] + [p for p in plans if p["id"] is not None]


class TaskSheet(r.Sheet):
    key = "tasks"
    title = gettext_lazy("任务分工与进度跟踪表")
    scoped = True
    match_column = "code"
    export_order = 20
    columns = (
        r.Column(
            "code",
            gettext_lazy("任务ID"),
            width=10,
            fields=("code",),
            identifier="wbs",
            help=gettext_lazy("WBS 编号，如 1.1、1.10；按文本填写"),
        ),
        r.Column("name", gettext_lazy("子任务名称"), required=True, width=24),
        r.Column(
            "owner",
            gettext_lazy("负责部门/人"),
            kind=r.OWNER,
            required=True,
            width=16,
            fields=("owner_department", "owner"),
        ),
        r.Column(
            "collaborators",
            gettext_lazy("协作部门/人"),
            kind=r.OWNERS,
            width=22,
            fields=("collaborating_departments", "collaborators"),
        ),
        r.Column(
            "planned_start", gettext_lazy("计划开始时间"), kind=r.DATE, required=True, width=14
        ),
        r.Column("planned_end", gettext_lazy("计划结束时间"), kind=r.DATE, required=True, width=14),
        r.Column("actual_end", gettext_lazy("实际完成时间"), kind=r.DATE, width=14),
        r.Column(
            "status",
            gettext_lazy("当前状态"),
            kind=r.CHOICE,
            choices=TaskStatus.choices,
            width=10,
        ),
        r.Column("deliverable", gettext_lazy("交付成果"), width=28),
        r.Column(
            "priority",
            gettext_lazy("优先级"),
            kind=r.CHOICE,
            choices=[(code, code) for code in Priority.values],
            width=8,
        ),
        r.Column("progress", gettext_lazy("进度(%)"), kind=r.INTEGER, width=8, in_header=False),
        r.Column(
            "depends_on",
            gettext_lazy("前置任务"),
            width=12,
            in_header=False,
            fields=("depends_on",),
        ),
        r.Column(
            "requirement_number",
            gettext_lazy("需求编号"),
            width=14,
            in_header=False,
            help=gettext_lazy("文件所属的需求；与导入的需求不一致时整份文件被拒绝"),
        ),
    )

    # Export
    def _base(self, queryset):
        return (
            queryset.select_related("owner_department", "owner", "requirement")
            .prefetch_related(
                # Plain lists (to_attr): no related manager per row on large exports.
                Prefetch(
                    "collaborating_departments",
                    queryset=Department.objects.order_by("code"),
                    to_attr="export_departments",
                ),
                Prefetch(
                    "collaborators",
                    queryset=User.objects.select_related("department"),
                    to_attr="export_collaborators",
                ),
                Prefetch(
                    "depends_on",
                    queryset=Task.objects.only("id", "code"),
                    to_attr="export_depends_on",
                ),
            )
            .order_by("requirement_id", "code_sort", "id")
        )

    def export_queryset(self, user, params, requirement=None):
        from .api import TaskViewSet
        from .selectors import tasks_visible_to, with_delay

        # The API's scope (only the tasks the user may see) with the list's filters and
        # search, also within a requirement; the delay annotations let overdue and
        # delay_days_min apply.
        queryset = list_filtered(TaskViewSet, with_delay(tasks_visible_to(user)), params or {})
        if requirement is not None:
            queryset = queryset.filter(requirement=requirement)
        return self._base(queryset)

    def scope_queryset(self, context):
        return self._base(Task.objects.filter(requirement=context["requirement"]))

    def _rows(self, queryset):
        return excel_rows.task_rows(
            queryset,
            statuses={code: str(label) for code, label in self.column("status").choices},
            priorities={code: str(label) for code, label in self.column("priority").choices},
        )

    def export_rows(self, queryset):
        """Plain values in chunks (excel_rows): no model instance per task."""
        for _pk, row in self._rows(queryset):
            yield row

    def current_rows(self, context):
        for pk, row in self._rows(self.scope_queryset(context)):
            yield TaskRef(pk), row

    def identity(self, requirement):
        return {"requirement_number": requirement.number}

    def ignores(self, key, row):
        # A finish date is recorded only when the task is finished (see check()).
        return key == "actual_end" and row.get("status") != TaskStatus.DONE

    def row_of(self, task):
        status, priority = self.column("status"), self.column("priority")
        return (
            task.code,
            task.name,
            owner_label(task.owner_department, task.owner),
            _collaborator_labels(task),
            task.planned_start,
            task.planned_end,
            task.actual_end,
            choice_label(status, task.status),
            task.deliverable,
            choice_label(priority, task.priority),
            task.progress,
            "、".join(sorted(d.code for d in task.export_depends_on)),
            task.requirement.number,
        )

    # Import
    def import_context(self, *, actor, requirement=None) -> dict:
        liaisons = {
            m.department_id: m.user
            for m in requirement.members.select_related("user").filter(role=GroupRole.LIAISON)
        }
        return {"liaisons": liaisons}

    def existing(self, values, context):
        code = values.get("code")
        if not code:
            return None
        return Task.objects.filter(requirement=context["requirement"], code=code).first()

    def check(self, parsed, context):
        values = parsed.values
        if values.get("status") == TaskStatus.BLOCKED and values.get("actual_end"):
            parsed.warnings.append(
                r.RowError(
                    self.column("actual_end").header,
                    _("任务状态为“阻塞”却填写了实际完成时间；实际完成时间只在完成时记录，已忽略"),
                )
            )
        if values.get("status") == TaskStatus.DONE and not values.get("actual_end"):
            parsed.warnings.append(
                r.RowError(
                    self.column("actual_end").header,
                    _("任务已完成但未填写实际完成时间，将按导入当天记录"),
                )
            )
        if values.get("planned_start") and values.get("planned_end"):
            probe = Task(
                requirement=context["requirement"],
                planned_start=values["planned_start"],
                planned_end=values["planned_end"],
            )
            for message in services.task_warnings(probe):
                parsed.warnings.append(r.RowError("", message))

    def _owner(self, owner, context, warnings):
        user = owner.user
        if user is None:
            user = context["liaisons"].get(owner.department.pk) or owner.department.head
            if user is None:
                raise ValidationError(
                    {"owner": _("请填写%(dept)s的负责人") % {"dept": owner.department.name}}
                )
            warnings.append(
                r.RowError(
                    self.column("owner").header,
                    _("未写明负责人，按%(dept)s的接口人/负责人“%(user)s”导入")
                    % {"dept": owner.department.name, "user": user.label},
                )
            )
        return owner.department, user

    def _depends_on(self, codes: list[str], context) -> list[Task]:
        found = {
            t.code: t
            for t in Task.objects.filter(requirement=context["requirement"], code__in=codes)
        }
        missing = [c for c in codes if c.strip() not in found]
        if missing:
            raise ValidationError(
                {"depends_on": _("前置任务不存在：%(codes)s") % {"codes": "、".join(missing)}}
            )
        return [found[c] for c in codes]

    def _fields(self, values, context, warnings, resolve=None) -> dict:
        """Service arguments for the columns in `values` (an update carries only the
        changed ones, so absent columns stay as they are). `resolve` finds the tasks
        named as predecessors (default: in the database)."""
        fields: dict = {}
        if values.get("owner") is not None:
            department, owner = self._owner(values["owner"], context, warnings)
            fields.update(owner_department=department, owner=owner)
        if "collaborators" in values:
            collaborators = values.get("collaborators") or []
            fields["collaborating_departments"] = [c.department for c in collaborators]
            fields["collaborators"] = [c.user for c in collaborators if c.user is not None]
        for key in ("name", "planned_start", "planned_end"):
            if key in values:
                fields[key] = values[key]
        if "deliverable" in values:
            fields["deliverable"] = values.get("deliverable") or ""
        if "priority" in values:
            fields["priority"] = values.get("priority") or Priority.P1
        if values.get("progress") is not None:
            fields["progress"] = values["progress"]
        if "depends_on" in values:
            codes = _codes(values.get("depends_on"))
            fields["depends_on"] = (
                resolve(codes) if resolve else self._depends_on(codes, context) if codes else []
            )
        if values.get("code"):
            fields["code"] = values["code"]
        return fields

    def apply(self, values, existing, context):
        """One row through the services (the path of registers without a bulk one)."""
        actor, requirement = context["actor"], context["requirement"]
        warnings: list[r.RowError] = []
        fields = self._fields(values, context, warnings)
        if existing is None:
            task = services.task_create(
                requirement=requirement, actor=actor, reason=str(IMPORT_REASON), **fields
            )
        else:
            task = existing = Task.objects.select_related("requirement").get(pk=existing.pk)
            fields.pop("code", None)
            if fields and self._changed(existing, fields):
                task = services.task_update(
                    task=existing, actor=actor, data=fields, reason=str(IMPORT_REASON)
                )

        def run(steps, actual_end):
            current = task
            with transaction.atomic():
                for step in steps:
                    kwargs = {"task": current, "actor": actor, "reason": str(IMPORT_REASON)}
                    if step == "finish":
                        kwargs["actual_end"] = actual_end
                    current = services.TRANSITION_SERVICES[step](**kwargs)

        warnings.extend(self._drive_status(task, values, run))
        return warnings

    def plan(self, work, context, progress):
        """Every new and changed row checked in memory, in file order, with the rules
        of task_create, task_update and the transitions (bulk.TaskPlanner); each row's
        plan is the task's final state, written by write()."""
        planner = bulk.TaskPlanner(
            requirement=context["requirement"], actor=context["actor"], reason=str(IMPORT_REASON)
        )
        for parsed, _entry in work:
            self.check(parsed, context)
        planner.announce(
            parsed.values.get("code") or ""
            for parsed, entry in work
            if entry is None and not parsed.errors
        )
        tasks = []
        for parsed, entry in work:
            tasks.append(None if parsed.errors else self._plan_row(planner, parsed, entry, context))
            progress.step()
        for (parsed, _entry), task in zip(work, tasks, strict=True):
            if task is not None and not parsed.errors:
                parsed.plan = planner.plan(task) or {}  # {}: checked, nothing to write
        return True

    def _plan_row(self, planner, parsed, entry, context):
        warnings: list[r.RowError] = []
        try:
            fields = self._fields(parsed.values, context, warnings, resolve=planner.resolve)
            if entry is None:
                task = planner.create(fields)
            else:
                task = planner.task(entry.record.pk)
                fields.pop("code", None)
                if fields and planner.differs(task, fields):
                    planner.update(task, fields)
        except ValidationError as error:
            parsed.errors.extend(_errors(self, error))
            return None
        except PermissionDenied as error:
            parsed.errors.append(r.RowError("", str(error) or _("您没有权限写入该行")))
            return None
        parsed.warnings.extend(warnings)
        parsed.warnings.extend(
            self._drive_status(
                task, parsed.values, lambda steps, end: planner.drive(task, steps, end)
            )
        )
        return task

    def write(self, plans, context, progress):
        written = bulk_write.task_plans_write(
            requirement=context["requirement"],
            actor=context["actor"],
            plans=plans,
            reason=str(IMPORT_REASON),
            progress=progress.step,
        )
        # The owners of new tasks, and of tasks the file gave to someone else, are told.
        handed = [
            task
            for task, plan in zip(written, _created_first(plans), strict=True)
            if plan["id"] is None or "owner" in plan["changed"]
        ]
        events.notify_imported_owners(context["requirement"], handed, actor=context["actor"])

    def _changed(self, task, fields) -> bool:
        for key, value in fields.items():
            if key in services.TASK_RELATIONS:
                if set(value) != set(getattr(task, key).all()):
                    return True
            elif getattr(task, key) != value:
                return True
        return False

    def _drive_status(self, task, values, run) -> list[r.RowError]:
        """Bring the task to the status in the file through its transitions;
        `run(steps, actual_end)` runs them (services, or the planner in memory) and
        raises when one is refused."""
        target = values.get("status")
        if not target and "actual_end" in values:
            target = task.status
        header = self.column("status").header
        if not target or target == task.status:
            if target == TaskStatus.DONE and values.get("actual_end") not in (
                None,
                task.actual_end,
            ):
                return [
                    r.RowError(
                        self.column("actual_end").header,
                        _("已完成任务的实际完成时间不通过导入修改"),
                    )
                ]
            return []
        steps = status_path(task.status, target)
        current = TaskStatus(task.status).label
        if steps is None:
            return [
                r.RowError(
                    header,
                    _("不能从“%(from)s”改为“%(to)s”，状态未导入")
                    % {"from": current, "to": TaskStatus(target).label},
                )
            ]
        try:
            run(steps, values.get("actual_end"))
        except (TransitionBlocked, PermissionDenied, ValidationError) as error:
            text = "；".join(getattr(error, "messages", None) or [str(error)])
            return [
                r.RowError(
                    header,
                    _("状态未导入，仍为“%(status)s”：%(reason)s")
                    % {"status": current, "reason": text},
                )
            ]
        return []
