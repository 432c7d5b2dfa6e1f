"""Events of the task register and plans, the collaborators' role, and the workbench's
tasks and plan sign-offs. Registered with the platform from TasksAppConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import User
from collab.notifications.events import EventType, Role, notify_event
from collab.notifications.messages import translatable
from collab.notifications.models import AlertKind
from collab.notifications.todos import Todo, todo_source
from collab.signoffs.services import sign_action, signers_waiting, slots_waiting_for

from .models import OPEN_STATUSES, PLAN_STAGE, Plan, PlanStatus, Task, TaskStatus
from .selectors import plans_visible_to, with_plan_related


class TaskEvent(models.TextChoices):
    ASSIGNED = "task_assigned", _("任务分派")
    REASSIGNED = "task_reassigned", _("任务转交")
    IMPORTED = "tasks_imported", _("Excel 导入分派任务")
    BLOCKED = "task_blocked", _("任务阻塞")
    UNBLOCKED = "task_unblocked", _("任务解除阻塞")
    FINISHED = "task_finished", _("任务完成")
    FINISHED_LATE = "task_finished_late", _("任务延期完成")
    PLAN_SUBMITTED = "plan_submitted", _("方案待审批")
    PLAN_APPROVED = "plan_approved", _("方案已批准")


ROLES = [
    Role(
        "collaborators",
        _("协作人"),
        lambda ctx: list(ctx.target.collaborators.all()) if isinstance(ctx.target, Task) else [],
        order=65,
    ),
]

_TASK = _("任务 %(code)s「%(name)s」（需求 %(number)s）")
IMPORTED_CODES = 10  # task codes listed in an import's notice
EVENT_TYPES = [
    EventType(
        TaskEvent.ASSIGNED,
        TaskEvent.ASSIGNED.label,
        _(
            "%(actor)s 把任务 %(code)s「%(name)s」（需求 %(number)s）"
            "分派给 %(owner)s，计划 %(end)s 完成"
        ),
        roles=("owner", "collaborators"),
        action_roles=("owner",),
    ),
    EventType(
        TaskEvent.REASSIGNED,
        TaskEvent.REASSIGNED.label,
        _("任务 %(code)s「%(name)s」（需求 %(number)s）已改由 %(owner)s 负责"),
        roles=("owner", "collaborators"),
        action_roles=("owner",),
    ),
    # One notice per person for an Excel import, listing the tasks it gave them.
    EventType(
        TaskEvent.IMPORTED,
        TaskEvent.IMPORTED.label,
        _("%(actor)s 通过 Excel 导入把 %(count)s 个任务（需求 %(number)s）交给你负责：%(codes)s"),
        roles=("person",),
        watchers=False,
    ),
    EventType(
        TaskEvent.BLOCKED,
        TaskEvent.BLOCKED.label,
        _("任务 %(code)s「%(name)s」（需求 %(number)s）被标记阻塞：%(reason)s"),
        roles=("leader", "liaison"),
    ),
    EventType(
        TaskEvent.UNBLOCKED,
        TaskEvent.UNBLOCKED.label,
        _("任务 %(code)s「%(name)s」（需求 %(number)s）已解除阻塞"),
        roles=("leader", "liaison"),
    ),
    EventType(
        TaskEvent.FINISHED,
        TaskEvent.FINISHED.label,
        _("任务 %(code)s「%(name)s」（需求 %(number)s）已按时完成"),
        roles=("leader",),
    ),
    EventType(
        TaskEvent.FINISHED_LATE,
        TaskEvent.FINISHED_LATE.label,
        _(
            "任务 %(code)s「%(name)s」（需求 %(number)s）计划 %(end)s 完成，"
            "实际 %(done)s 完成，延期 %(days)s 天"
        ),
        roles=("leader", "coordinator"),
    ),
    EventType(
        TaskEvent.PLAN_SUBMITTED,
        TaskEvent.PLAN_SUBMITTED.label,
        _("方案「%(title)s」v%(version)s（需求 %(number)s）已提交评审，请签字"),
        roles=("signers",),
        action_roles=("signers",),
    ),
    EventType(
        TaskEvent.PLAN_APPROVED,
        TaskEvent.PLAN_APPROVED.label,
        _("方案「%(title)s」v%(version)s（需求 %(number)s）已批准"),
        roles=("owner", "leader"),
    ),
    EventType(
        AlertKind.TASK_DUE_SOON,
        AlertKind.TASK_DUE_SOON.label,
        _("%(task)s 将于 %(end)s 到期，请确认能按时完成并更新进度"),
        roles=("owner", "liaison"),
        action_roles=("owner",),
        watchers=False,
        reminder=True,
    ),
    EventType(
        AlertKind.TASK_LATE,
        AlertKind.TASK_LATE.label,
        _(
            "%(task)s 计划 %(end)s 完成，已延迟 %(delay)s 天（超过%(days)s天），"
            "负责人 %(owner)s；请召开专题会分析原因（资源不足/需求变更/能力不足）并制定补救计划"
        ),
        roles=("leader",),
        watchers=False,
        reminder=True,
    ),
    EventType(
        AlertKind.TASK_ESCALATION,
        AlertKind.TASK_ESCALATION.label,
        _(
            "上报：%(task)s 计划 %(end)s 完成，已延迟 %(delay)s 天仍未完成，"
            "请协调资源（负责人 %(owner)s）"
        ),
        roles=("coordinator",),
        watchers=False,
        reminder=True,
    ),
]


def task_action(task: Task) -> str:
    return f"task:{task.pk}"


def task_label(task: Task) -> dict:
    """The task as a template value: 任务 1.1「名称」（需求 2024-MKT-001）."""
    return translatable(_TASK, code=task.code, name=task.name, number=task.requirement.number)


def notify_task(kind: str, task: Task, *, actor, params: dict | None = None, **context):
    values = {"code": task.code, "name": task.name, "owner": task.owner.label}
    values.update(params or {})
    return notify_event(
        kind,
        target=task,
        requirement=task.requirement,
        actor=actor,
        url=reverse("tasks:detail", args=[task.pk]),
        params=values,
        action=task_action(task),
        owner=task.owner,
        department=task.owner_department,
        **context,
    )


def notify_imported_owners(requirement, tasks: list[Task], *, actor) -> int:
    """Tell each owner of `tasks` (new to them through an Excel import) which tasks are
    now theirs: one notice per person, whatever the number of rows. Returns the number
    of people told."""
    by_owner: dict[int, list[Task]] = {}
    for task in tasks:
        if task.owner_id is not None:
            by_owner.setdefault(task.owner_id, []).append(task)
    owners = User.objects.in_bulk(list(by_owner))
    url = reverse("tasks:list") + "?mine=1"
    told = 0
    for owner_id, owned in by_owner.items():
        owner = owners.get(owner_id)
        if owner is None or owner == actor:
            continue
        codes = "、".join(task.code for task in owned[:IMPORTED_CODES])
        if len(owned) > IMPORTED_CODES:
            codes += "…"
        notify_event(
            TaskEvent.IMPORTED,
            target=requirement,
            requirement=requirement,
            actor=actor,
            url=url,
            params={"count": len(owned), "codes": codes},
            people=[owner],
        )
        told += 1
    return told


def notify_plan(kind: str, plan: Plan, *, actor, **context):
    return notify_event(
        kind,
        target=plan,
        requirement=plan.requirement,
        actor=actor,
        url=reverse("tasks:plan_detail", args=[plan.pk]),
        params={"title": plan.title, "version": plan.version},
        action=sign_action(plan, PLAN_STAGE),
        signers=signers_waiting(plan, PLAN_STAGE),
        owner=plan.author,
        **context,
    )


@todo_source("task", _("任务"), order=30)
def tasks_owned(user, today):
    tasks = (
        Task.objects.filter(owner=user, status__in=OPEN_STATUSES)
        .select_related("requirement")
        .order_by("planned_end", "code_sort", "id")
    )
    for task in tasks:
        yield Todo(
            action=task_action(task),
            kind="task",
            kind_label=_("任务"),
            title=f"{task.requirement.number} · {task.code} {task.name}",
            url=reverse("tasks:detail", args=[task.pk]),
            due=task.planned_end,
            detail=str(TaskStatus(task.status).label),
        )


@todo_source("plan_signoff", _("方案审批"), order=11)
def plan_signoffs_waiting(user, today):
    plans = with_plan_related(plans_visible_to(user).filter(status=PlanStatus.IN_REVIEW))
    for plan in plans.order_by("created_at", "id"):
        slots = slots_waiting_for(plan, PLAN_STAGE, user)
        if slots:
            yield Todo(
                action=sign_action(plan, PLAN_STAGE),
                kind="plan_signoff",
                kind_label=_("方案审批"),
                title=f"{plan.requirement.number} {plan.title} v{plan.version}",
                url=reverse("tasks:plan_detail", args=[plan.pk]),
                detail="、".join(str(slot.label) for slot in slots),
            )
