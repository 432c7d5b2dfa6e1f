"""Use cases of the task register (template 2) and plans (方案). Pages, API, admin,
importers, meetings and background jobs all write through these functions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from collab.accounts.models import Department, User
from collab.core.history import one_entry
from collab.core.transitions import run_transition
from collab.notifications.mentions import notify_mentions
from collab.notifications.messages import translatable
from requests_app.models import Requirement

from . import events
from . import rules as perms
from .models import (
    CLOSED_STATUSES,
    ProgressUpdate,
    Task,
)
from .selectors import dependency_edges, today, would_cycle

TASK_FIELDS = (
    "code",
    "name",
    "owner_department",
    "owner",
    "planned_start",
    "planned_end",
    "deliverable",
    "priority",
    "progress",
)
TASK_RELATIONS = ("collaborating_departments", "collaborators", "depends_on")
OPEN_REQUIREMENT = ("confirmed", "in_progress")


# Tasks -----------------------------------------------------------------------------
def involved_departments(requirement: Requirement) -> set[int]:
    return {requirement.initiating_department_id, *(d.pk for d in requirement.departments.all())}


def task_warnings(task: Task) -> list[str]:
    """Things worth a second look that do not block saving."""
    warnings = []
    requirement = task.requirement
    if task.planned_start and task.planned_start < requirement.start_date:
        warnings.append(_("计划开始时间早于需求开始日期 %(d)s") % {"d": requirement.start_date})
    if task.planned_end and task.planned_end > requirement.end_date:
        warnings.append(_("计划结束时间晚于需求结束日期 %(d)s") % {"d": requirement.end_date})
    if task.pk and task.planned_start:
        late = [d.code for d in task.depends_on.all() if d.planned_end >= task.planned_start]
        if late:
            warnings.append(
                _("计划开始时间早于前置任务结束：%(codes)s") % {"codes": "、".join(sorted(late))}
            )
    return warnings


def next_code(requirement: Requirement) -> str:
    """Next free top-level WBS number (used when a task comes without one, e.g. from a
    meeting's action item)."""
    codes = requirement.tasks.values_list("code", flat=True)
    top = max((int(code.split(".")[0]) for code in codes), default=0)
    return str(top + 1)


def _validate_task(
    task: Task, *, collaborating_departments, collaborators, depends_on, known=None
) -> None:
    """The rules every write of a task obeys. `known` (many tasks checked at once):
    {"involved": department ids, "codes": codes already taken}, loaded once; its
    owner and department are instances just loaded from the database."""
    requirement = task.requirement
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    exclude = ["status", "requirement", "code_sort"]
    if known is not None:
        exclude += ["owner_department", "owner"]
        for name in ("owner_department", "owner"):
            if getattr(task, f"{name}_id") is None:
                add(name, Task._meta.get_field(name).error_messages["blank"])
    try:
        task.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                add(field, message)
    if requirement.status not in OPEN_REQUIREMENT:
        add("__all__", _("需求确认后、完成前才能分解或修改任务"))
    if task.code and (
        task.code in known["codes"]
        if known is not None
        else Task.objects.filter(requirement=requirement, code=task.code)
        .exclude(pk=task.pk)
        .exists()
    ):
        add("code", _("任务ID %(code)s 在本需求中已存在") % {"code": task.code})
    if task.planned_start and task.planned_end and task.planned_end < task.planned_start:
        add("planned_end", _("计划结束时间不能早于计划开始时间"))
    involved = known["involved"] if known is not None else involved_departments(requirement)
    if task.owner_department_id and task.owner_department_id not in involved:
        add("owner_department", _("负责部门不在本需求的涉及部门中"))
    owner = task.owner if task.owner_id else None
    if owner is not None:
        if not owner.is_active:
            add("owner", _("负责人账号已停用"))
        elif owner.department_id != task.owner_department_id:
            add("owner", _("负责人必须属于负责部门"))
    for department in collaborating_departments:
        if department.pk not in involved:
            add(
                "collaborating_departments",
                _("%(dept)s 不在本需求的涉及部门中") % {"dept": department.name},
            )
    for user in collaborators:
        if user.department_id not in involved:
            add("collaborators", _("%(user)s 所属部门未参与本需求") % {"user": user.label})
    dep_ids = {d.pk for d in depends_on}
    for dependency in depends_on:
        if dependency.requirement_id != requirement.pk:
            add("depends_on", _("前置任务必须属于同一需求"))
        elif task.pk and dependency.pk == task.pk:
            add("depends_on", _("任务不能依赖自身"))
    if (
        task.pk
        and dep_ids
        and "depends_on" not in errors
        and would_cycle(dependency_edges(requirement.pk), task.pk, dep_ids)
    ):
        add("depends_on", _("前置任务形成循环依赖"))
    if errors:
        raise ValidationError(errors)


def _save_task(task: Task, actor: User, reason: str, relations: dict) -> None:
    """Save the row and set its relations as one history entry."""
    try:
        with transaction.atomic(), one_entry(task, actor=actor, reason=reason):
            task.save()
            for key, values in relations.items():
                getattr(task, key).set(values)
    except IntegrityError as error:
        raise ValidationError(_("保存失败：数据冲突，请检查后重试")) from error


@transaction.atomic
def task_create(
    *,
    requirement: Requirement,
    actor: User,
    name: str,
    owner_department: Department,
    owner: User,
    planned_start: datetime.date,
    planned_end: datetime.date,
    code: str = "",
    deliverable: str = "",
    priority: str = "P1",
    progress: int = 0,
    collaborating_departments: Iterable[Department] = (),
    collaborators: Iterable[User] = (),
    depends_on: Iterable[Task] = (),
    reason: str = "",
) -> Task:
    """Add a row to the task register of a confirmed (or running) requirement."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    if not perms.can_create_in(actor, requirement, getattr(owner_department, "pk", None)):
        raise PermissionDenied(_("您不能为该部门分解任务"))
    task = Task(
        requirement=requirement,
        code=(code or "").strip() or next_code(requirement),
        name=name,
        owner_department=owner_department,
        owner=owner,
        planned_start=planned_start,
        planned_end=planned_end,
        deliverable=deliverable or "",
        priority=priority,
        progress=progress or 0,
    )
    collaborating_departments = list(collaborating_departments)
    collaborators = list(collaborators)
    depends_on = list(depends_on)
    _validate_task(
        task,
        collaborating_departments=collaborating_departments,
        collaborators=collaborators,
        depends_on=depends_on,
    )
    relations = {
        "collaborating_departments": collaborating_departments,
        "collaborators": collaborators,
        "depends_on": depends_on,
    }
    _save_task(task, actor, reason or _("分解任务"), relations)
    events.notify_task(
        events.TaskEvent.ASSIGNED, task, actor=actor, params={"end": str(task.planned_end)}
    )
    return task


@transaction.atomic
def task_update(*, task: Task, actor: User, data: dict, reason: str = "") -> Task:
    """Change register fields (not the status). Relations in `data` replace the old ones."""
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    if not perms.can_manage_task(actor, task):
        raise PermissionDenied(_("您不能修改该任务"))
    previous_owner = task.owner_id
    for key in TASK_FIELDS:
        if key in data:
            setattr(task, key, data[key])
    if "owner_department" in data and not perms.can_create_in(
        actor, task.requirement, task.owner_department_id
    ):
        raise PermissionDenied(_("您不能把任务转给其他部门"))
    relations = {
        key: list(data[key]) if key in data else list(getattr(task, key).all())
        for key in TASK_RELATIONS
    }
    _validate_task(task, **relations)
    changed = {key: relations[key] for key in TASK_RELATIONS if key in data}
    _save_task(task, actor, reason or _("修改任务"), changed)
    if task.owner_id != previous_owner:
        events.notify_task(events.TaskEvent.REASSIGNED, task, actor=actor)
    return task


@transaction.atomic
def task_reschedule(
    *,
    task: Task,
    actor: User,
    planned_start: datetime.date,
    planned_end: datetime.date,
    reason: str = "",
) -> Task:
    """Move a task's planned dates (the Gantt drag): owner, liaison, leader, coordinator."""
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    if not perms.can_update_task(actor, task):
        raise PermissionDenied(_("您不能调整该任务的计划时间"))
    if task.status in CLOSED_STATUSES:
        raise ValidationError(_("已完成或已取消的任务不能调整计划时间"))
    if planned_start is None or planned_end is None:
        raise ValidationError({"planned_start": _("请填写计划开始和结束时间")})
    if planned_end < planned_start:
        raise ValidationError({"planned_end": _("计划结束时间不能早于计划开始时间")})
    task.planned_start, task.planned_end = planned_start, planned_end
    task._history_user = actor
    task._change_reason = reason or _("调整计划时间")
    task.save(update_fields=["planned_start", "planned_end", "updated_at"])
    return task


def _transition(task: Task, name: str, *, actor: User, reason: str, fields, **kwargs) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    run_transition(task, name, actor=actor, reason=reason, **kwargs)
    task.save(update_fields=["status", "updated_at", *fields])
    return task


def _required_reason(reason: str, message: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": message})
    return reason.strip()


@transaction.atomic
def task_start(*, task: Task, actor: User, reason: str = "") -> Task:
    return _transition(task, "start", actor=actor, reason=reason or _("开始任务"), fields=[])


@transaction.atomic
def task_block(*, task: Task, actor: User, reason: str = "") -> Task:
    reason = _required_reason(reason, _("标记阻塞时必须填写原因"))
    task = _transition(
        task, "block", actor=actor, reason=reason, fields=["block_reason"], reason_text=reason
    )
    events.notify_task(events.TaskEvent.BLOCKED, task, actor=actor, params={"reason": reason})
    return task


@transaction.atomic
def task_unblock(*, task: Task, actor: User, reason: str = "") -> Task:
    task = _transition(
        task, "unblock", actor=actor, reason=reason or _("解除阻塞"), fields=["block_reason"]
    )
    events.notify_task(events.TaskEvent.UNBLOCKED, task, actor=actor)
    return task


@transaction.atomic
def task_finish(
    *, task: Task, actor: User, actual_end: datetime.date | None = None, reason: str = ""
) -> Task:
    """Finish: actual finish date (today by default, editable) and progress 100."""
    actual_end = actual_end or today()
    if actual_end > today():
        raise ValidationError({"actual_end": _("实际完成时间不能晚于今天")})
    task = _transition(
        task,
        "finish",
        actor=actor,
        reason=reason or _("完成任务"),
        fields=["actual_end", "progress"],
        actual_end=actual_end,
    )
    late = (task.actual_end - task.planned_end).days
    events.notify_task(
        events.TaskEvent.FINISHED_LATE if late > 0 else events.TaskEvent.FINISHED,
        task,
        actor=actor,
        params={"end": str(task.planned_end), "done": str(task.actual_end), "days": late},
    )
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor: User, reason: str = "") -> Task:
    reason = _required_reason(reason, _("重新打开任务时必须填写原因"))
    return _transition(task, "reopen", actor=actor, reason=reason, fields=["actual_end"])


@transaction.atomic
def task_cancel(*, task: Task, actor: User, reason: str = "") -> Task:
    reason = _required_reason(reason, _("取消任务时必须填写原因"))
    return _transition(
        task, "cancel", actor=actor, reason=reason, fields=["cancel_reason"], reason_text=reason
    )


TRANSITION_SERVICES = {
    "start": task_start,
    "block": task_block,
    "unblock": task_unblock,
    "finish": task_finish,
    "reopen": task_reopen,
    "cancel": task_cancel,
}
REASON_REQUIRED = ("block", "reopen", "cancel")


@transaction.atomic
def task_post_update(
    *,
    task: Task,
    actor: User,
    note: str,
    progress: int | None = None,
    expected_end: datetime.date | None = None,
    kind: str = ProgressUpdate.Kind.PROGRESS,
) -> ProgressUpdate:
    """Daily progress (owner and managers) or a comment (also collaborators)."""
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    errors: dict[str, str] = {}
    if kind not in ProgressUpdate.Kind.values:
        errors["kind"] = _("未知的类型")
    if not (note or "").strip():
        errors["note"] = _("请填写进展说明")
    if progress is not None and not 0 <= progress <= 100:
        errors["progress"] = _("进度应在 0 到 100 之间")
    if kind == ProgressUpdate.Kind.PROGRESS:
        if progress is None:
            errors["progress"] = _("请填写进度")
        if task.status in CLOSED_STATUSES:
            errors["__all__"] = _("任务已完成或已取消，不能再填报进度")
    if errors:
        raise ValidationError(errors)
    if kind == ProgressUpdate.Kind.PROGRESS:
        if not perms.can_update_task(actor, task):
            raise PermissionDenied(_("只有负责人和管理人可以填报进度"))
    elif not perms.can_comment_task(actor, task):
        raise PermissionDenied(_("只有任务相关人员可以评论"))
    update = ProgressUpdate(
        task=task,
        kind=kind,
        author=actor,
        progress=progress if kind == ProgressUpdate.Kind.PROGRESS else None,
        note=note.strip(),
        expected_end=expected_end,
    )
    update._history_user = actor
    update.save()
    notify_mentions(
        update.note,
        target=update,
        requirement=task.requirement,
        actor=actor,
        url=reverse("tasks:detail", args=[task.pk]),
        where=translatable(_lazy("任务 %(code)s「%(name)s」"), code=task.code, name=task.name),
    )
    if kind == ProgressUpdate.Kind.PROGRESS and progress != task.progress:
        task.progress = progress
        task._history_user = actor
        task._change_reason = _("进度更新：%(p)s%%") % {"p": progress}
        task.save(update_fields=["progress", "updated_at"])
    return update
