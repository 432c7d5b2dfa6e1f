"""The seed's risk and issue register (records 001–003, all resolved) and a weekly
meeting (协作例会) with minutes. Idempotent; runs after tasks_app.demo."""

import datetime

from django.utils import timezone

from meetings.models import ActionItemStatus, Meeting, MeetingKind
from meetings.services import action_item_add, action_item_update, meeting_create

from .models import Impact, Risk, RiskKind, RiskStatus
from .services import risk_create, risk_resolve

RECORDS = [
    {
        "code": "001",
        "description": "宣传物料设计不符合品牌规范",
        "impact": Impact.HIGH,
        "owner": ("DSN", "dsn_liaison"),
        "occurred_on": datetime.date(2024, 8, 6),
        "planned_resolution": datetime.date(2024, 8, 7),
        "actual_resolution": datetime.date(2024, 8, 7),
        "measures": "重新设计,增加品牌审核环节",
        "result": "已解决",
        "task": "2.1",
    },
    {
        "code": "002",
        "description": "数据监测系统响应延迟",
        "impact": Impact.MEDIUM,
        "owner": ("TEC", "tec_staff"),
        "occurred_on": datetime.date(2024, 8, 8),
        "planned_resolution": datetime.date(2024, 8, 10),
        "actual_resolution": datetime.date(2024, 8, 9),
        "measures": "升级服务器,优化数据接口",
        "result": "已解决",
        "task": None,
    },
    {
        "code": "003",
        "description": "线下活动场地临时取消",
        "impact": Impact.HIGH,
        "owner": ("OPS", "ops_staff"),
        "occurred_on": datetime.date(2024, 8, 15),
        "planned_resolution": datetime.date(2024, 8, 16),
        "actual_resolution": datetime.date(2024, 8, 16),
        "measures": "启用备用场地,同步调整通知用户",
        "result": "已解决",
        "task": None,
    },
]

WEEKLY_TITLE = "协作例会（第3周）"
WEEKLY_FINDING = "渠道对接延迟2天,因合作方档期冲突"
WEEKLY_ADJUSTMENT = "协调销售部*加急对接,优先保障核心渠道"


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _records(requirement, departments, users, tasks):
    leader = users["mkt_head"]
    risks = {}
    for record in RECORDS:
        risk = Risk.objects.filter(requirement=requirement, code=record["code"]).first()
        if risk is None:
            department, username = record["owner"]
            task = tasks.get(record["task"]) if record["task"] else None
            risk = risk_create(
                requirement=requirement,
                actor=leader,
                code=record["code"],
                data={
                    "kind": RiskKind.ISSUE,
                    "description": record["description"],
                    "impact": record["impact"],
                    "owner_department": departments[department],
                    "owner": users[username],
                    "occurred_on": record["occurred_on"],
                    "planned_resolution": record["planned_resolution"],
                    "task": task,
                },
            )
        if risk.status in (RiskStatus.OPEN, RiskStatus.IN_PROGRESS):
            risk = risk_resolve(
                risk=risk,
                actor=leader,
                measures=record["measures"],
                actual_resolution=record["actual_resolution"],
                result=record["result"],
            )
        risks[record["code"]] = risk
    return risks


def _weekly_meeting(requirement, departments, users):
    meeting = Meeting.objects.filter(
        requirement=requirement, kind=MeetingKind.WEEKLY, title=WEEKLY_TITLE
    ).first()
    if meeting is not None:
        return meeting
    leader = users["mkt_head"]
    held_at = _aware(datetime.date(2024, 7, 29), 10)
    attendees = [
        users[u] for u in ("mkt_head", "prd_liaison", "sal_liaison", "dsn_liaison", "cha_contact")
    ]
    meeting = meeting_create(
        requirement=requirement,
        actor=leader,
        kind=MeetingKind.WEEKLY,
        held_at=held_at,
        title=WEEKLY_TITLE,
        location="市场部会议室",
        attendees=attendees,
        departments=[departments[c] for c in ("MKT", "PRD", "SAL", "DSN", "CHA")],
        agenda="\n".join(
            [
                "协作例会 2024-07-29 ~ 2024-08-04",
                "1. 延期任务（0）",
                "2. 阻塞任务（0）",
                "3. 本周到期任务（1）",
                "   - 3.1 渠道对接（销售部/销售部*，计划结束 2024-07-30）",
                "4. 高影响未解决风险/问题（0）",
                "5. 原因分析与调整措施",
            ]
        ),
        minutes=f"发现问题：{WEEKLY_FINDING}\n调整措施：{WEEKLY_ADJUSTMENT}",
        decisions=WEEKLY_ADJUSTMENT,
    )
    item = action_item_add(
        meeting=meeting,
        actor=leader,
        text="协调销售部*加急对接渠道商A公司,优先保障核心渠道",
        owner=users["sal_liaison"],
        due_date=datetime.date(2024, 7, 31),
    )
    action_item_update(item=item, actor=leader, data={"status": ActionItemStatus.DONE})
    # The minutes went out the same afternoon; the demo records that publication time
    # directly (no inbox messages for a meeting held in 2024).
    Meeting.objects.filter(pk=meeting.pk).update(
        published_at=_aware(datetime.date(2024, 7, 29), 17), published_by=leader
    )
    return meeting


def load(context: dict) -> None:
    requirement = context["requirement"]
    departments, users = context["departments"], context["users"]
    tasks = context.get("tasks", {})
    context["risks"] = _records(requirement, departments, users, tasks)
    context["weekly_meeting"] = _weekly_meeting(requirement, departments, users)
