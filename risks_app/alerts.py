"""Alerts of the risk and issue register (template 3).

- A risk or issue past its planned resolution date -> its owner and the group leader.
- When a task is late by more than two days (the task_late alert, raised once per
  planned end), an issue "任务X延迟超2天" linked to the task is opened in the register
  and a special meeting (专题会) is drafted for the leader to convene.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from collab.notifications.alerts import (
    ScanContext,
    alert_hook,
    alert_scan,
    catch_up_start,
    not_alerted,
)
from collab.notifications.models import AlertKind
from collab.notifications.services import AlertSpec
from collab.notifications.workdays import WORKING, DayCounter
from meetings.services import meeting_create
from requests_app.alerts import group_users
from requests_app.models import GroupRole

from .events import risk_action, risk_params
from .models import ACTIVE_STATUSES, Risk
from .services import risk_create


@alert_scan("risk_overdue", _("风险/问题逾期未解决"))
def scan_risk_overdue(ctx: ScanContext):
    last = ctx.today - datetime.timedelta(days=1)
    rows = list(
        not_alerted(
            Risk.objects.filter(
                status__in=ACTIVE_STATUSES,
                planned_resolution__gte=catch_up_start(ctx, last),
                planned_resolution__lte=last,
            ),
            AlertKind.RISK_OVERDUE,
            "planned_resolution",
        ).select_related("owner", "requirement")
    )
    leaders = group_users((r.requirement_id for r in rows), GroupRole.LEADER)
    for risk in rows:
        requirement = risk.requirement
        yield AlertSpec(
            kind=AlertKind.RISK_OVERDUE,
            target=risk,
            due_on=risk.planned_resolution,
            recipients=[risk.owner, leaders.get(requirement.pk)],
            message="",
            params={
                **risk_params(risk),
                "number": requirement.number,
                "due": str(risk.planned_resolution),
            },
            action=risk_action(risk) if risk.owner_id else "",
            action_for=[risk.owner_id] if risk.owner_id else [],
            url=risk.get_absolute_url(),
            departments=[risk.owner_department_id] if risk.owner_department_id else [],
            requirement_id=requirement.pk,
        )


@alert_hook(AlertKind.TASK_LATE)
def open_issue_and_special_meeting(*, alert, target) -> str:
    """Open the register issue and draft the special meeting, through the registers'
    own services with the group leader's permission; their history credits the system
    and names the rule. Runs once per late alert."""
    task = target
    requirement = task.requirement
    leader = group_users([requirement.pk], GroupRole.LEADER).get(requirement.pk)
    if leader is None:
        return "no group leader: issue and special meeting not created"
    notes = []
    description = _("任务%(code)s延迟超2天") % {"code": task.code}
    issue = risk_create(
        requirement=requirement,
        actor=leader,
        rule=_("任务延期超过2天自动登记问题"),
        data={
            "kind": "issue",
            "task": task,
            "description": f"{description}：{task.name}",
            "impact": "high" if task.priority == "P0" else "medium",
            "owner_department": task.owner_department,
            "owner": task.owner,
            "occurred_on": timezone.localdate(),
            "planned_resolution": timezone.localdate() + datetime.timedelta(days=2),
        },
    )
    notes.append(f"issue {issue.pk} opened")
    # Drafted for 10:00 on the next working day (weekends and holidays skipped).
    next_working_day = DayCounter(WORKING).shift(timezone.localdate(), 1)
    held_at = timezone.make_aware(datetime.datetime.combine(next_working_day, datetime.time(10)))
    meeting = meeting_create(
        requirement=requirement,
        actor=leader,
        rule=_("任务延期超过2天自动安排专题会"),
        kind="special",
        held_at=held_at,
        subject=task,
        title=_("专题会：任务%(code)s延迟超2天") % {"code": task.code},
        agenda=_(
            "分析任务 %(code)s「%(name)s」延迟原因（资源不足/需求变更/能力不足），制定补救计划"
        )
        % {"code": task.code, "name": task.name},
    )
    notes.append(f"special meeting {meeting.pk} drafted")
    return "; ".join(notes)
