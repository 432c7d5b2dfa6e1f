"""The seed's task register (template 2) on 2024-MKT-001, driven through the services.

The seed records an actual finish date (2024-08-06) on task 2.1 although its status
is 阻塞 (blocked). An actual finish date belongs to a finished task, so the demo keeps
2.1 blocked with its actual finish empty and records the seed's 08-06 in the block
reason and in a progress update; its delay therefore keeps growing until it is
unblocked and finished.
"""

import datetime

from collab.signoffs.services import signoff_state
from requests_app.models import REVIEW_STAGE, RequirementStatus
from requests_app.services import requirement_confirm, requirement_sign, requirement_start

from .models import PLAN_STAGE, PlanStatus, ProgressUpdate, Task, TaskStatus
from .plan_services import plan_approve, plan_create, plan_sign, plan_submit
from .services import (
    task_block,
    task_create,
    task_finish,
    task_post_update,
    task_start,
)

D = datetime.date

# code, name, owner dept, owner, collaborating dept, collaborator, start, end,
# actual end, status, deliverable, priority
SEED_TASKS = [
    ("1.1", "活动方案设计", "MKT", "mkt_head", "PRD", "prd_liaison", D(2024, 7, 15),
     D(2024, 7, 25), D(2024, 7, 24), "done", "《推广活动方案V1.0》", "P0"),
    ("1.2", "产品卖点提炼", "PRD", "prd_liaison", "MKT", "mkt_head", D(2024, 7, 16),
     D(2024, 7, 20), D(2024, 7, 20), "done", "《产品核心卖点清单》", "P0"),
    ("2.1", "宣传物料制作", "DSN", "dsn_liaison", "MKT", "mkt_head", D(2024, 7, 26),
     D(2024, 8, 5), None, "blocked", "海报、宣传册(待修改)", "P1"),
    ("3.1", "渠道对接", "SAL", "sal_liaison", "CHA", "cha_contact", D(2024, 7, 20),
     D(2024, 7, 30), D(2024, 7, 31), "done", "《渠道合作协议》", "P0"),
]  # fmt: skip
DEPENDENCIES = {"2.1": ["1.1"]}
BLOCK_REASON = "宣传物料设计不符合品牌规范，需重新设计（原记录实际完成时间 2024-08-06）"
PROGRESS_EXAMPLE = "物料设计完成80%,预计7月25日交付"
PLAN_TITLE = "2024年Q3新品上市推广总体方案"


def _confirm(requirement, users):
    if requirement.status != RequirementStatus.PENDING_REVIEW:
        return requirement
    for slot in signoff_state(requirement, REVIEW_STAGE):
        if not slot.approved and slot.signers:
            requirement_sign(
                requirement=requirement,
                actor=slot.signers[0],
                decision="approve",
                comment="评审通过",
                department=slot.department,
            )
    return requirement_confirm(requirement=requirement, actor=users["director"])


def _tasks(requirement, departments, users):
    leader = users["mkt_head"]
    tasks = {}
    for row in SEED_TASKS:
        code, name, dept, owner, co_dept, co_user, start, end = row[:8]
        deliverable, priority = row[10], row[11]
        task = Task.objects.filter(requirement=requirement, code=code).first()
        if task is None:
            task = task_create(
                requirement=requirement,
                actor=leader,
                code=code,
                name=name,
                owner_department=departments[dept],
                owner=users[owner],
                planned_start=start,
                planned_end=end,
                deliverable=deliverable,
                priority=priority,
                collaborating_departments=[departments[co_dept]],
                collaborators=[users[co_user]],
                depends_on=[tasks[c] for c in DEPENDENCIES.get(code, [])],
            )
        tasks[code] = task
    return tasks


def _plan(requirement, users):
    plan = requirement.plans.filter(title=PLAN_TITLE, task=None).first()
    if plan is None:
        plan = plan_create(
            requirement=requirement,
            actor=users["mkt_head"],
            title=PLAN_TITLE,
            body="1. 7月15日前完成方案初稿\n2. 7月底完成宣传物料\n3. 8月1日启动推广",
            budget_amount=20,
            budget_unit="wan_yuan",
            people="设计师2名",
            tools="线下场地5个",
            contingency="场地临时取消时启用备用场地；物料延期时优先保障核心渠道",
        )
    if plan.status == PlanStatus.DRAFT:
        plan = plan_submit(plan=plan, actor=users["mkt_head"])
    if plan.status == PlanStatus.IN_REVIEW:
        for slot in signoff_state(plan, PLAN_STAGE):
            if not slot.approved and slot.signers:
                plan_sign(
                    plan=plan,
                    actor=slot.signers[0],
                    decision="approve",
                    comment="同意",
                    department=slot.department,
                )
        plan = plan_approve(plan=plan, actor=users["mkt_head"])
    return plan


def _execute(tasks, users):
    leader = users["mkt_head"]
    for row in SEED_TASKS:
        code, actual_end, status = row[0], row[8], row[9]
        task = Task.objects.get(pk=tasks[code].pk)
        if task.status == TaskStatus.NOT_STARTED:
            task = task_start(task=task, actor=leader)
        if code == "2.1" and not task.updates.filter(note=PROGRESS_EXAMPLE).exists():
            task_post_update(
                task=task,
                actor=task.owner,
                progress=80,
                note=PROGRESS_EXAMPLE,
                expected_end=D(2024, 7, 25),
            )
        if task.status != TaskStatus.IN_PROGRESS:
            continue
        if status == "done":
            task_finish(task=task, actor=leader, actual_end=actual_end)
        elif status == "blocked":
            task_block(task=task, actor=leader, reason=BLOCK_REASON)
            if not task.updates.filter(kind=ProgressUpdate.Kind.COMMENT).exists():
                task_post_update(
                    task=task,
                    actor=users["mkt_head"],
                    kind=ProgressUpdate.Kind.COMMENT,
                    note="8月6日提交的物料不符合品牌规范，需增加品牌审核后重新设计",
                )


def load(context: dict) -> None:
    requirement = context["requirement"]
    departments, users = context["departments"], context["users"]
    requirement = _confirm(requirement, users)
    tasks = _tasks(requirement, departments, users)
    _plan(requirement, users)
    requirement.refresh_from_db()
    if requirement.status == RequirementStatus.CONFIRMED:
        requirement = requirement_start(requirement=requirement, actor=users["mkt_head"])
    _execute(tasks, users)
    requirement.refresh_from_db()
    context["requirement"] = requirement
    context["tasks"] = {code: Task.objects.get(pk=task.pk) for code, task in tasks.items()}
