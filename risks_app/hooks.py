"""What the risk register plugs into: requirement tabs, and for meetings the action-item
-> task converter and the weekly meeting's agenda from the tracker (registered from
RisksAppConfig.ready())."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.lifecycle import Step
from requests_app.tabs import Tab, register_tab


def action_item_to_task(*, item, actor):
    """One click: the action item becomes a task of the requirement, owned by the item's
    owner in their department, planned from the meeting (or today) to the due date."""
    from tasks_app.services import task_create

    meeting = item.meeting
    owner = item.owner
    start = max(timezone.localdate(meeting.held_at), min(timezone.localdate(), item.due_date))
    return task_create(
        requirement=meeting.requirement,
        actor=actor,
        name=item.text[:200],
        owner_department=owner.department,
        owner=owner,
        planned_start=start,
        planned_end=item.due_date,
        reason=_("由会议待办转入：%(meeting)s") % {"meeting": meeting.display_title},
    )


def weekly_agenda(requirement, day: datetime.date) -> list[str]:
    """Agenda of the weekly meeting (协作例会): late, blocked and due-this-week tasks from
    the tracker, and open high-impact risks."""
    from tasks_app.workbench import weekly_view_data

    from .selectors import open_high_impact

    data = weekly_view_data(requirement, day)
    sections = [
        ("late", _("延期任务")),
        ("blocked", _("阻塞任务")),
        ("due", _("本周到期任务")),
    ]
    lines = [
        _("协作例会 %(start)s ~ %(end)s")
        % {"start": f"{data['week_start']:%Y-%m-%d}", "end": f"{data['week_end']:%Y-%m-%d}"}
    ]
    number = 0
    for key, label in sections:
        tasks = [task for group in data["groups"] for task in group[key]]
        number += 1
        lines.append(f"{number}. {label}（{len(tasks)}）")
        for task in tasks:
            extra = ""
            delay = getattr(task, "delay_days", 0) or 0
            if key == "late" and delay:
                extra = _("，延期%(days)s天") % {"days": delay}
            lines.append(
                f"   - {task.code} {task.name}（{task.owner_department.name}/"
                f"{task.owner.label}，{_('计划结束')} {task.planned_end:%Y-%m-%d}{extra}）"
            )
    risks = list(open_high_impact(requirement))
    number += 1
    lines.append(f"{number}. {_('高影响未解决风险/问题')}（{len(risks)}）")
    for risk in risks:
        lines.append(
            f"   - {risk.code} {risk.description}（{risk.owner_label}，"
            f"{_('计划解决')} {risk.planned_resolution:%Y-%m-%d}）"
        )
    number += 1
    lines.append(f"{number}. {_('原因分析与调整措施')}")
    return lines


def connect() -> None:
    register_tab(Tab("risks", "风险与问题", "risks:requirement", 30, Step.RISKS))
