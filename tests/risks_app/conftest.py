import datetime

import pytest

from risks_app.services import risk_create
from tests.meetings.conftest import (  # noqa: F401 (shared fixtures)
    clock,
    departments,
    fast_password_hashing,
    running,
    start_running,
    users,
)


def make_risk(org, requirement, *, actor="mkt_head", **data):
    people, depts = org["users"], org["departments"]
    values = {
        "kind": "issue",
        "description": "宣传物料设计不符合品牌规范",
        "impact": "high",
        "owner_department": depts["DSN"],
        "owner": people["dsn_liaison"],
        "occurred_on": datetime.date(2026, 3, 2),
        "planned_resolution": datetime.date(2026, 3, 3),
    }
    values.update(data)
    return risk_create(requirement=requirement, actor=people[actor], data=values)


@pytest.fixture
def risk_factory(org):
    return lambda requirement, **data: make_risk(org, requirement, **data)
