"""The seed's template 4 for 2024-MKT-001, loaded by the demo through the services."""

import datetime
from decimal import Decimal

from requests_app.models import RequirementStatus
from reviews_app.models import GroupDissolution, Retrospective
from tasks_app.models import TaskStatus


def test_seed_acceptance_and_retrospective(seed):
    requirement = seed["requirement"]
    assert requirement.number == "2024-MKT-001"
    assert requirement.status == RequirementStatus.COMPLETED
    assert GroupDissolution.objects.filter(requirement=requirement).exists()

    acceptance = requirement.acceptances.get()
    assert acceptance.status == "passed"
    assert acceptance.accepted_on == datetime.date(2024, 10, 10)
    assert [d.code for d in acceptance.departments.order_by("code")] == ["MKT", "PRD", "SAL"]
    assert [d.name for d in acceptance.deliverables.all()] == [
        "《推广活动总结报告》",
        "《销售数据统计表》",
        "用户反馈分析报告",
    ]
    assert acceptance.get_quality_rating_display() == "优秀"
    assert acceptance.quality_comment == "方案执行到位,数据完整"
    assert [r.text for r in acceptance.results.all()] == [
        "活动方案包含完整执行流程、预算明细、风险预案"
    ]

    retrospective = Retrospective.objects.get(requirement=requirement)
    assert retrospective.status == "confirmed"
    assert retrospective.due_on == datetime.date(2024, 10, 17)
    assert retrospective.reviewer.label == "王芳"
    metrics = [
        (m.name, m.unit, m.target, m.actual, m.rate_display, m.phrase)
        for m in retrospective.metrics.all()
    ]
    assert metrics == [
        ("销售额", "万元", Decimal("500"), Decimal("520"), "104%", "超额4%"),
        ("用户参与量", "万人次", Decimal("12"), Decimal("15"), "125%", "超额25%"),
    ]
    texts = {
        kind: [f.text for f in retrospective.findings.filter(kind=kind)]
        for kind in ("highlight", "problem")
    }
    assert texts["highlight"] == [
        "跨部门周例会机制高效,信息同步及时",
        "风险预案完善,场地问题2小时内解决",
    ]
    assert texts["problem"] == [
        "数据监测反馈延迟,影响实时决策",
        "部分物料制作周期紧张,设计修改耗时较长",
    ]
    actions = [(a.action, a.owner_department.code) for a in retrospective.improvements.all()]
    assert actions == [
        ("建立“数据日报机制”,指定技术部*专人负责监测", "TEC"),
        ("提前3天启动物料设计,预留1天修改缓冲期", "DSN"),
    ]
    # Task 2.1 was unblocked and finished when risk 001 was resolved.
    task = requirement.tasks.get(code="2.1")
    assert (task.status, task.actual_end) == (TaskStatus.DONE, datetime.date(2024, 8, 7))
    assert "风险001" in task.history.first().history_change_reason


def test_demo_is_idempotent(seed):
    from importlib import import_module

    from collab.notifications.models import Notification

    counts = (Retrospective.objects.count(), Notification.objects.count())
    import_module("reviews_app.demo").load(seed)
    assert (Retrospective.objects.count(), Notification.objects.count()) == counts
    assert seed["requirement"].acceptances.count() == 1
