import datetime
from importlib import import_module

from meetings.models import ActionItem, Meeting
from risks_app.models import Reallocation, Risk

SEED = [
    (
        "001",
        "宣传物料设计不符合品牌规范",
        "high",
        "设计部",
        "2024-08-06",
        "2024-08-07",
        "2024-08-07",
        "重新设计,增加品牌审核环节",
    ),
    (
        "002",
        "数据监测系统响应延迟",
        "medium",
        "技术部",
        "2024-08-08",
        "2024-08-10",
        "2024-08-09",
        "升级服务器,优化数据接口",
    ),
    (
        "003",
        "线下活动场地临时取消",
        "high",
        "运营部",
        "2024-08-15",
        "2024-08-16",
        "2024-08-16",
        "启用备用场地,同步调整通知用户",
    ),
]


def test_seed_records_have_the_exact_values(seed):
    requirement = seed["requirement"]
    risks = list(Risk.objects.filter(requirement=requirement).order_by("code"))
    assert len(risks) == 3
    for risk, expected in zip(risks, SEED, strict=True):
        code, description, impact, department, occurred, planned, actual, measures = expected
        assert risk.code == code
        assert risk.description == description
        assert risk.impact == impact
        assert risk.owner_department.name == department
        assert risk.occurred_on == datetime.date.fromisoformat(occurred)
        assert risk.planned_resolution == datetime.date.fromisoformat(planned)
        assert risk.actual_resolution == datetime.date.fromisoformat(actual)
        assert risk.measures == measures
        assert risk.result == "已解决"
        assert risk.status == "resolved"
        assert risk.kind == "issue"
    assert risks[0].task.code == "2.1"


def test_seed_weekly_meeting_has_minutes(seed):
    meeting = Meeting.objects.get(requirement=seed["requirement"], kind="weekly")
    assert "渠道对接延迟2天,因合作方档期冲突" in meeting.minutes
    assert "协调销售部*加急对接,优先保障核心渠道" in meeting.minutes
    assert meeting.decisions == "协调销售部*加急对接,优先保障核心渠道"
    assert meeting.published_in_time is True
    assert meeting.action_items.get().status == "done"


def test_demo_is_idempotent(seed):
    counts = (Risk.objects.count(), Meeting.objects.count(), ActionItem.objects.count())
    history = Risk.history.count()
    module = import_module("risks_app.demo")
    module.load(seed)
    assert (Risk.objects.count(), Meeting.objects.count(), ActionItem.objects.count()) == counts
    assert Risk.history.count() == history
    assert not Reallocation.objects.exists()
