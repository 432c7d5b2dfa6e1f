"""The seed's requirement 2024-MKT-001, its group and the review sign-offs."""

import datetime

from .models import GroupMember, GroupRole, Requirement
from .services import requirement_create

SEED_NUMBER = "2024-MKT-001"


def load(context: dict) -> None:
    departments, users = context["departments"], context["users"]
    requirement = Requirement.objects.filter(number=SEED_NUMBER).first()
    if requirement is None:
        requirement = requirement_create(
            actor=users["mkt_staff"],
            number=SEED_NUMBER,
            data={
                "initiating_department": departments["MKT"],
                "contact_info": "1385678",
                "topic": "2024年Q3新品上市推广",
                "goal": "3个月内实现新品销售额500万元",
                "expected_outcomes": "活动方案、宣传物料、销售数据报告",
                "start_date": datetime.date(2024, 7, 15),
                "end_date": datetime.date(2024, 9, 30),
                "resources": "预算20万元,设计师2名,线下场地5个",
                "priority": "P0",
                "remarks": "需保证活动符合最新广告法规定",
                "coordinator": users["director"],
            },
            departments=[departments[c] for c in ("PRD", "SAL", "DSN", "CHA")],
        )
    group = [
        ("mkt_head", "MKT", GroupRole.LEADER),
        ("prd_liaison", "PRD", GroupRole.LIAISON),
        ("sal_liaison", "SAL", GroupRole.LIAISON),
        ("dsn_liaison", "DSN", GroupRole.LIAISON),
        ("cha_contact", "CHA", GroupRole.LIAISON),
    ]
    for username, code, role in group:
        GroupMember.objects.get_or_create(
            requirement=requirement,
            user=users[username],
            role=role,
            defaults={"department": departments[code]},
        )
    context["requirement"] = requirement
