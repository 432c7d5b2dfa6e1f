"""Alerts of the task register (template 2).

- 任务到期前1天提醒: open tasks whose planned end is today or the next counted day ->
  the owner and the liaison of the owner's department.
- 任务延迟超2天: open tasks late by more than COLLAB_ALERT_LATE_DAYS counted days -> the
  group leader; risks_app hooks open an issue and a draft special meeting.
- 上报协调人: still late COLLAB_ALERT_ESCALATION_DAYS counted days later -> the coordinator.

Each scan is a range over the (status, planned_end) index minus the tasks already
alerted for the same planned end (anti-join on the alert_once index). Alerts are keyed
on the planned end, so moving it re-arms them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from collab.notifications.alerts import (
    ScanContext,
    alert_scan,
    catch_up_start,
    digest_section,
    not_alerted,
)
from collab.notifications.models import AlertKind
from collab.notifications.services import AlertSpec
from collab.signoffs.services import signoff_state
from requests_app.alerts import group_users, url_maker, users_by_id
from requests_app.models import GroupRole, Requirement

from .events import task_action, task_label
from .models import OPEN_STATUSES, PLAN_STAGE, Plan, PlanStatus, Task

ACTIVE_REQUIREMENT = ("confirmed", "in_progress")


TASK_FIELDS = (
    "id",
    "code",
    "name",
    "planned_end",
    "priority",
    "requirement_id",
    "owner_department_id",
    "owner_id",
    "requirement__number",
)


def _open_tasks():
    return Task.objects.filter(status__in=OPEN_STATUSES, requirement__status__in=ACTIVE_REQUIREMENT)


def _candidates(qs, kind: str) -> tuple[list[Task], dict]:
    """Tasks not yet alerted for `kind` at their planned end, with their owners."""
    tasks = list(
        not_alerted(qs, kind, "planned_end").select_related("requirement").only(*TASK_FIELDS)
    )
    return tasks, users_by_id(t.owner_id for t in tasks)


def late_window(ctx: ScanContext, days: int):
    latest = ctx.days.latest_end_over(ctx.today, days)
    return catch_up_start(ctx, latest), latest


@alert_scan("task_due_soon", _("任务到期前1天提醒"))
def scan_task_due_soon(ctx: ScanContext):
    ahead = getattr(settings, "COLLAB_ALERT_DUE_SOON_DAYS", 1)
    last = ctx.days.shift(ctx.today, ahead)
    tasks, owners = _candidates(
        _open_tasks().filter(planned_end__gte=ctx.today, planned_end__lte=last),
        AlertKind.TASK_DUE_SOON,
    )
    liaisons = group_users(
        (t.requirement_id for t in tasks),
        GroupRole.LIAISON,
        departments={t.owner_department_id for t in tasks},
    )
    task_url = url_maker("tasks:detail")
    for task in tasks:
        liaison = liaisons.get((task.requirement_id, task.owner_department_id))
        yield AlertSpec(
            kind=AlertKind.TASK_DUE_SOON,
            target=task,
            due_on=task.planned_end,
            recipients=[owners.get(task.owner_id), liaison],
            message="",
            params={"task": task_label(task), "end": str(task.planned_end)},
            action=task_action(task),
            action_for=[task.owner_id],
            url=task_url(task.pk),
            departments=[task.owner_department_id],
            requirement_id=task.requirement_id,
        )


@alert_scan("task_late", _("任务延迟超2天"))
def scan_task_late(ctx: ScanContext):
    days = getattr(settings, "COLLAB_ALERT_LATE_DAYS", 2)
    first, last = late_window(ctx, days)
    tasks, owners = _candidates(
        _open_tasks().filter(planned_end__gte=first, planned_end__lte=last), AlertKind.TASK_LATE
    )
    leaders = group_users((t.requirement_id for t in tasks), GroupRole.LEADER)
    task_url = url_maker("tasks:detail")
    for task in tasks:
        delay = ctx.days.between(task.planned_end, ctx.today)
        yield AlertSpec(
            kind=AlertKind.TASK_LATE,
            target=task,
            due_on=task.planned_end,
            recipients=[leaders.get(task.requirement_id)],
            message="",
            params={
                "task": task_label(task),
                "end": str(task.planned_end),
                "delay": delay,
                "days": days,
                "owner": owners[task.owner_id].label,
            },
            url=task_url(task.pk),
            departments=[task.owner_department_id],
            requirement_id=task.requirement_id,
        )


@alert_scan("task_escalation", _("任务延迟上报协调人"))
def scan_task_escalation(ctx: ScanContext):
    days = getattr(settings, "COLLAB_ALERT_LATE_DAYS", 2) + getattr(
        settings, "COLLAB_ALERT_ESCALATION_DAYS", 2
    )
    first, last = late_window(ctx, days)
    tasks, owners = _candidates(
        _open_tasks().filter(planned_end__gte=first, planned_end__lte=last),
        AlertKind.TASK_ESCALATION,
    )
    coordinator_of = dict(
        Requirement.objects.filter(pk__in={t.requirement_id for t in tasks}).values_list(
            "pk", "coordinator_id"
        )
    )
    coordinators = users_by_id(coordinator_of.values())
    task_url = url_maker("tasks:detail")
    for task in tasks:
        delay = ctx.days.between(task.planned_end, ctx.today)
        yield AlertSpec(
            kind=AlertKind.TASK_ESCALATION,
            target=task,
            due_on=task.planned_end,
            recipients=[coordinators.get(coordinator_of.get(task.requirement_id))],
            message="",
            params={
                "task": task_label(task),
                "end": str(task.planned_end),
                "delay": delay,
                "owner": owners[task.owner_id].label,
            },
            url=task_url(task.pk),
            requirement_id=task.requirement_id,
        )


@digest_section(order=10)
def digest_tasks(ctx: ScanContext) -> dict[int, list[str]]:
    """Each owner's tasks due soon and overdue."""
    ahead = getattr(settings, "COLLAB_ALERT_DUE_SOON_DAYS", 1)
    last = ctx.days.shift(ctx.today, ahead)
    lines: dict[int, list[str]] = {}
    rows = (
        _open_tasks()
        .filter(planned_end__lte=last)
        .order_by("owner_id", "planned_end", "id")
        .values_list("owner_id", "code", "name", "planned_end", "requirement__number")
    )
    for owner_id, code, name, planned_end, number in rows:
        task = _("任务 %(code)s「%(name)s」（需求 %(number)s）") % {
            "code": code,
            "name": name,
            "number": number,
        }
        if planned_end < ctx.today:
            text = _("已逾期：%(task)s 计划 %(end)s 完成，已延迟 %(delay)s 天") % {
                "task": task,
                "end": planned_end,
                "delay": ctx.days.between(planned_end, ctx.today),
            }
        else:
            text = _("即将到期：%(task)s 计划 %(end)s 完成") % {"task": task, "end": planned_end}
        lines.setdefault(owner_id, []).append(text)
    return lines


@digest_section(order=40)
def digest_plan_signoffs(ctx: ScanContext) -> dict[int, list[str]]:
    """Plan approvals (方案审批) still waiting for a person's signature."""
    lines: dict[int, list[str]] = {}
    plans = Plan.objects.filter(status=PlanStatus.IN_REVIEW).select_related("requirement")
    for plan in plans:
        for slot in signoff_state(plan, PLAN_STAGE):
            if slot.approved:
                continue
            for signer in slot.signers:
                lines.setdefault(signer.pk, []).append(
                    _("待签字：方案「%(title)s」v%(version)s（需求 %(number)s，%(slot)s）")
                    % {
                        "title": plan.title,
                        "version": plan.version,
                        "number": plan.requirement.number,
                        "slot": slot.label,
                    }
                )
    return lines
