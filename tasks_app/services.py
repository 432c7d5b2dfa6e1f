"""Use cases of the task register (template 2) and plans (方案). Pages, API, admin,
importers, meetings and background jobs all write through these functions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from collab.accounts.models import Department, User
from collab.core.fields import normalize_text
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
    """The rules every write of a task obeys. `known` (many tasks checked at once, in
    memory): {"involved": department ids, "codes": code -> the task holding it,
    "would_cycle": (task, dependencies) -> bool}, loaded once; the task's owner and
    department are instances just loaded from the database."""
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
        known["codes"].get(task.code, task) is not task
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
        elif dependency is task or (task.pk and dependency.pk == task.pk):
            add("depends_on", _("任务不能依赖自身"))
    if depends_on and "depends_on" not in errors:
        if known is not None:
            cycle = known["would_cycle"](task, depends_on)
        else:
            cycle = bool(task.pk) and would_cycle(
                dependency_edges(requirement.pk), task.pk, dep_ids
            )
        if cycle:
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


def prepare_create(task: Task, *, actor: User, relations: dict, known=None) -> None:
    """task_create's rules on a task not saved yet: who may add it, then validation."""
    if not perms.can_create_in(actor, task.requirement, task.owner_department_id):
        raise PermissionDenied(_("您不能为该部门分解任务"))
    _validate_task(task, **relations, known=known)


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
    relations = {
        "collaborating_departments": list(collaborating_departments),
        "collaborators": list(collaborators),
        "depends_on": list(depends_on),
    }
    prepare_create(task, actor=actor, relations=relations)
    _save_task(task, actor, reason or _("分解任务"), relations)
    events.notify_task(
        events.TaskEvent.ASSIGNED, task, actor=actor, params={"end": str(task.planned_end)}
    )
    return task


def prepare_update(task: Task, *, actor: User, data: dict, current=None, known=None) -> dict:
    """task_update's rules on a task in memory: who may change it, the new values,
    validation. `current`: the task's relations when already loaded. Returns the
    relations the task ends with."""
    if not perms.can_manage_task(actor, task):
        raise PermissionDenied(_("您不能修改该任务"))
    for key in TASK_FIELDS:
        if key in data:
            setattr(task, key, data[key])
    if "owner_department" in data and not perms.can_create_in(
        actor, task.requirement, task.owner_department_id
    ):
        raise PermissionDenied(_("您不能把任务转给其他部门"))
    relations = {
        key: list(data[key])
        if key in data
        else list(current[key] if current is not None else getattr(task, key).all())
        for key in TASK_RELATIONS
    }
    _validate_task(task, **relations, known=known)
    return relations


@transaction.atomic
def task_update(*, task: Task, actor: User, data: dict, reason: str = "") -> Task:
    """Change register fields (not the status). Relations in `data` replace the old ones."""
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    previous_owner = task.owner_id
    relations = prepare_update(task, actor=actor, data=data)
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


# What each transition saves besides its status, the reason it records by default,
# and the message when a required reason is missing.
TRANSITION_FIELDS = {
    "start": (),
    "block": ("block_reason",),
    "unblock": ("block_reason",),
    "finish": ("actual_end", "progress"),
    "reopen": ("actual_end",),
    "cancel": ("cancel_reason",),
}
DEFAULT_REASONS = {
    "start": gettext_lazy("开始任务"),
    "unblock": gettext_lazy("解除阻塞"),
    "finish": gettext_lazy("完成任务"),
}
REASON_MESSAGES = {
    "block": gettext_lazy("标记阻塞时必须填写原因"),
    "reopen": gettext_lazy("重新打开任务时必须填写原因"),
    "cancel": gettext_lazy("取消任务时必须填写原因"),
}
REASON_REQUIRED = tuple(REASON_MESSAGES)


def _required_reason(reason: str, message: str) -> str:
    """The reason without its blank ends; refused when nothing visible is left (spaces
    and zero-width characters alone are no reason)."""
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def prepare_transition(
    task: Task,
    name: str,
    *,
    actor: User,
    reason: str = "",
    actual_end: datetime.date | None = None,
) -> list[str]:
    """A transition's rules on a task in memory (its reason, the finish date, then
    state, permission and conditions as declared) and its new state. Returns the
    fields to save. Finishing records the actual finish date (today by default,
    editable) and progress 100."""
    kwargs: dict = {}
    if name in REASON_MESSAGES:
        reason = _required_reason(reason, str(REASON_MESSAGES[name]))
    if name in ("block", "cancel"):
        kwargs["reason_text"] = reason
    if name == "finish":
        actual_end = actual_end or today()
        if actual_end > today():
            raise ValidationError({"actual_end": _("实际完成时间不能晚于今天")})
        kwargs["actual_end"] = actual_end
    reason = reason or str(DEFAULT_REASONS.get(name, ""))
    run_transition(task, name, actor=actor, reason=reason, **kwargs)
    return ["status", "updated_at", *TRANSITION_FIELDS[name]]


def _transition(task: Task, name: str, *, actor: User, reason: str, **kwargs) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("requirement").get(pk=task.pk)
    )
    fields = prepare_transition(task, name, actor=actor, reason=reason, **kwargs)
    task.save(update_fields=fields)
    return task


@transaction.atomic
def task_start(*, task: Task, actor: User, reason: str = "") -> Task:
    return _transition(task, "start", actor=actor, reason=reason)


@transaction.atomic
def task_block(*, task: Task, actor: User, reason: str = "") -> Task:
    task = _transition(task, "block", actor=actor, reason=reason)
    events.notify_task(
        events.TaskEvent.BLOCKED, task, actor=actor, params={"reason": task.block_reason}
    )
    return task


@transaction.atomic
def task_unblock(*, task: Task, actor: User, reason: str = "") -> Task:
    task = _transition(task, "unblock", actor=actor, reason=reason)
    events.notify_task(events.TaskEvent.UNBLOCKED, task, actor=actor)
    return task


@transaction.atomic
def task_finish(
    *, task: Task, actor: User, actual_end: datetime.date | None = None, reason: str = ""
) -> Task:
    """Finish: actual finish date (today by default, editable) and progress 100."""
    task = _transition(task, "finish", actor=actor, reason=reason, actual_end=actual_end)
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
    return _transition(task, "reopen", actor=actor, reason=reason)


@transaction.atomic
def task_cancel(*, task: Task, actor: User, reason: str = "") -> Task:
    return _transition(task, "cancel", actor=actor, reason=reason)


TRANSITION_SERVICES = {
    "start": task_start,
    "block": task_block,
    "unblock": task_unblock,
    "finish": task_finish,
    "reopen": task_reopen,
    "cancel": task_cancel,
}


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
