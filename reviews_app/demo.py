"""The seed's acceptance and retrospective (template 4) for 2024-MKT-001, through the
services, ending with the requirement completed and its retrospective confirmed.

Task 2.1 宣传物料制作 is blocked in the task register. Risk 001 (物料不符合品牌规范)
was resolved on 2024-08-07 by redesigning with a brand review, so the materials were
delivered then: the demo unblocks 2.1 and finishes it with actual finish 2024-08-07
before completing the requirement. The seed gives no dates for the retrospective
meeting or the improvement actions; the demo uses 2024-10-15 (within the week after
acceptance) and due dates at the end of October and mid-November 2024.
"""

import datetime

from collab.signoffs.services import signoff_state
from requests_app.models import RequirementStatus
from requests_app.services import requirement_complete

from .acceptance.services import (
    acceptance_accept,
    acceptance_create,
    acceptance_judge,
    acceptance_sign,
    acceptance_submit,
    criterion_add,
)
from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceStatus,
    FindingKind,
    QualityRating,
    Retrospective,
    RetrospectiveStatus,
)
from .retrospective.services import (
    finding_add,
    improvement_add,
    metric_add,
    retrospective_confirm,
    retrospective_update,
)

D = datetime.date
ACCEPTED_ON = D(2024, 10, 10)
HELD_ON = D(2024, 10, 15)
CRITERION = "活动方案包含完整执行流程、预算明细、风险预案"
DELIVERABLES = ["《推广活动总结报告》", "《销售数据统计表》", "用户反馈分析报告"]
METRICS = [("销售额", "万元", 500, 520), ("用户参与量", "万人次", 12, 15)]
HIGHLIGHTS = ["跨部门周例会机制高效,信息同步及时", "风险预案完善,场地问题2小时内解决"]
PROBLEMS = ["数据监测反馈延迟,影响实时决策", "部分物料制作周期紧张,设计修改耗时较长"]
IMPROVEMENTS = [
    ("建立“数据日报机制”,指定技术部*专人负责监测", "tec_staff", D(2024, 10, 31)),
    ("提前3天启动物料设计,预留1天修改缓冲期", "dsn_liaison", D(2024, 11, 15)),
]
TASK_21_FINISHED = D(2024, 8, 7)
TASK_21_REASON = "物料按品牌规范重新设计并经品牌审核后交付（风险001于2024-08-07解决）"


def _finish_open_tasks(requirement, users):
    from tasks_app.models import TaskStatus
    from tasks_app.services import task_finish, task_unblock

    leader = users["mkt_head"]
    task = requirement.tasks.filter(code="2.1").first()
    if task is None or task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        return
    if task.status == TaskStatus.BLOCKED:
        task = task_unblock(task=task, actor=leader, reason=TASK_21_REASON)
    task_finish(task=task, actor=leader, actual_end=TASK_21_FINISHED, reason=TASK_21_REASON)


def _acceptance(requirement, departments, users):
    initiator = users["mkt_staff"]
    if not requirement.acceptance_criteria.exists():
        criterion_add(requirement=requirement, actor=initiator, text=CRITERION)
    acceptance = (
        Acceptance.objects.filter(
            requirement=requirement, status__in=[AcceptanceStatus.DRAFT, AcceptanceStatus.SIGNING]
        ).first()
        or Acceptance.objects.filter(
            requirement=requirement, status=AcceptanceStatus.PASSED
        ).first()
    )
    if acceptance is None:
        acceptance = acceptance_create(
            requirement=requirement,
            actor=initiator,
            accepted_on=ACCEPTED_ON,
            departments=[departments[c] for c in ("MKT", "SAL", "PRD")],
            quality_rating=QualityRating.EXCELLENT,
            quality_comment="方案执行到位,数据完整",
            deliverables=[{"name": name} for name in DELIVERABLES],
        )
    if acceptance.status == AcceptanceStatus.DRAFT:
        for result in acceptance.results.all():
            if result.passed is None:
                acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
        acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    if acceptance.status == AcceptanceStatus.SIGNING:
        for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
            if not slot.approved and slot.signers:
                acceptance_sign(
                    acceptance=acceptance,
                    actor=slot.signers[0],
                    decision="approve",
                    comment="验收通过",
                    department=slot.department,
                )
        acceptance = acceptance_accept(acceptance=acceptance, actor=initiator)
    return acceptance


def _retrospective(requirement, departments, users):
    retrospective = Retrospective.objects.get(requirement=requirement)
    if retrospective.status == RetrospectiveStatus.CONFIRMED:
        return retrospective
    leader = users["mkt_head"]
    retrospective_update(
        retrospective=retrospective,
        actor=leader,
        data={"held_on": HELD_ON, "reviewer": users["mkt_staff"]},
    )
    if not retrospective.metrics.exists():
        for name, unit, target, actual in METRICS:
            metric_add(
                retrospective=retrospective,
                actor=leader,
                data={"name": name, "unit": unit, "target": target, "actual": actual},
            )
    if not retrospective.findings.exists():
        for kind, texts in ((FindingKind.HIGHLIGHT, HIGHLIGHTS), (FindingKind.PROBLEM, PROBLEMS)):
            for text in texts:
                finding_add(retrospective=retrospective, actor=leader, kind=kind, text=text)
    if not retrospective.improvements.exists():
        for action, owner, due in IMPROVEMENTS:
            improvement_add(
                retrospective=retrospective,
                actor=leader,
                data={"action": action, "owner": users[owner], "due_date": due},
            )
    return retrospective_confirm(retrospective=retrospective, actor=leader)


def load(context: dict) -> None:
    requirement = context["requirement"]
    departments, users = context["departments"], context["users"]
    requirement.refresh_from_db()
    if requirement.status not in (RequirementStatus.IN_PROGRESS, RequirementStatus.COMPLETED):
        return
    if requirement.status == RequirementStatus.IN_PROGRESS:
        _finish_open_tasks(requirement, users)
        _acceptance(requirement, departments, users)
        requirement = requirement_complete(requirement=requirement, actor=users["mkt_head"])
    context["retrospective"] = _retrospective(requirement, departments, users)
    requirement.refresh_from_db()
    context["requirement"] = requirement
