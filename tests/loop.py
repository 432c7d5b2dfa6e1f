"""One requirement walked through the whole six-step loop with the registers' own
services, including a rejected review, a late task whose issue and special meeting the
rule opens, a failed acceptance with rework and the retrospective. `walk(org)` yields
(checkpoint, context) after each step; the context names the objects made so far."""

from __future__ import annotations

import datetime

from tests.factories import make_requirement

DEPARTMENTS = ("PRD", "SAL", "DSN")


def _sign_all(slots, sign, **target) -> None:
    for slot in slots:
        if not slot.approved:
            sign(**target, actor=slot.signers[0], decision="approve", department=slot.department)


def walk_to(org, checkpoint: str) -> dict:
    """The context right after `checkpoint`."""
    return next(ctx for name, ctx in walk(org) if name == checkpoint)


def walk(org):
    from collab.signoffs.services import signoff_state
    from requests_app import services as requirements
    from requests_app.selectors import review_slots
    from tasks_app import plan_services as plans
    from tasks_app import services as tasks
    from tasks_app.lifecycle import PLAN_STAGE

    users, departments = org["users"], org["departments"]
    director, leader, contact = users["director"], users["mkt_head"], users["mkt_staff"]
    ctx: dict = {"users": users, "departments": departments}

    requirement = make_requirement(org, departments=DEPARTMENTS)
    ctx["requirement"] = requirement
    yield "filed", ctx

    prd = departments["PRD"]
    requirements.requirement_sign(
        requirement=requirement,
        actor=users["prd_head"],
        decision="reject",
        comment="预算不清",
        department=prd,
    )
    yield "head_disagrees", ctx

    requirements.requirement_reject(requirement=requirement, actor=director, reason="补充预算明细")
    requirement.refresh_from_db()
    yield "rejected", ctx

    requirements.requirement_resubmit(requirement=requirement, actor=contact)
    requirement.refresh_from_db()
    _sign_all(review_slots(requirement), requirements.requirement_sign, requirement=requirement)
    yield "signed", ctx

    requirements.requirement_confirm(requirement=requirement, actor=director)
    requirement.refresh_from_db()
    yield "confirmed", ctx

    group = requirements.group_add_member
    group(requirement=requirement, actor=director, user=leader, role="leader")
    group(requirement=requirement, actor=director, user=users["prd_liaison"], role="liaison")
    group(requirement=requirement, actor=director, user=users["sal_liaison"], role="liaison")
    yield "liaison_missing", ctx

    group(requirement=requirement, actor=director, user=users["dsn_liaison"], role="liaison")
    yield "group_formed", ctx

    start = requirement.start_date
    design = tasks.task_create(
        requirement=requirement,
        actor=leader,
        code="1.1",
        name="活动方案设计",
        owner_department=prd,
        owner=users["prd_liaison"],
        planned_start=start,
        planned_end=start + datetime.timedelta(days=10),
        priority="P0",
        collaborating_departments=[departments["DSN"]],
        collaborators=[users["dsn_liaison"]],
    )
    material = tasks.task_create(
        requirement=requirement,
        actor=leader,
        code="2.1",
        name="宣传物料制作",
        owner_department=departments["DSN"],
        owner=users["dsn_liaison"],
        planned_start=start,
        planned_end=start + datetime.timedelta(days=5),
        deliverable="海报、宣传册",
    )
    ctx.update(design=design, material=material)
    yield "tasks_ready", ctx

    plan = plans.plan_create(
        requirement=requirement,
        actor=users["prd_liaison"],
        title="活动执行方案",
        body="步骤",
        task=design,
    )
    overall = plans.plan_create(
        requirement=requirement, actor=leader, title="总体方案", body="步骤"
    )
    ctx.update(plan=plan, overall=overall)
    yield "plans_drafted", ctx

    plan = plans.plan_submit(plan=plan, actor=users["prd_liaison"])
    overall = plans.plan_submit(plan=overall, actor=leader)
    yield "plans_in_review", ctx

    for each in (plan, overall):
        _sign_all(signoff_state(each, PLAN_STAGE), plans.plan_sign, plan=each)
        plans.plan_approve(plan=each, actor=leader)
    yield "plans_approved", ctx

    requirements.requirement_start(requirement=requirement, actor=leader)
    requirement.refresh_from_db()
    yield "started", ctx

    tasks.task_start(task=material, actor=users["dsn_liaison"])
    tasks.task_block(task=material, actor=users["dsn_liaison"], reason="品牌规范待确认")
    yield "task_blocked", ctx

    from risks_app.alerts import open_issue_and_special_meeting
    from risks_app.models import Risk

    open_issue_and_special_meeting(alert=None, target=material)
    issue = Risk.objects.get(requirement=requirement, task=material)
    ctx.update(issue=issue, meeting=requirement.meetings.get(kind="special"))
    yield "issue_opened", ctx

    yield from _execute(org, ctx)
    yield from _deliver(org, ctx)


def _execute(org, ctx):
    from risks_app import services as risks
    from tasks_app import services as tasks

    users = org["users"]
    issue = risks.risk_resolve(
        risk=ctx["issue"],
        actor=users["dsn_liaison"],
        measures="增加品牌审核环节",
        actual_resolution=datetime.date.today(),
    )
    ctx["issue"] = issue
    tasks.task_unblock(task=ctx["material"], actor=users["dsn_liaison"])
    tasks.task_finish(task=ctx["material"], actor=users["dsn_liaison"])
    tasks.task_start(task=ctx["design"], actor=users["prd_liaison"])
    yield "issue_resolved", ctx

    tasks.task_finish(task=ctx["design"], actor=users["prd_liaison"])
    yield "tasks_done", ctx


def _deliver(org, ctx):
    from collab.signoffs.services import signoff_state
    from requests_app import services as requirements
    from reviews_app.acceptance import services as acceptances
    from reviews_app.lifecycle import ACCEPTANCE_STAGE
    from reviews_app.retrospective import services as retrospectives
    from tasks_app import services as tasks

    users, departments = org["users"], org["departments"]
    requirement, contact, leader = ctx["requirement"], users["mkt_staff"], users["mkt_head"]
    acceptances.criterion_add(requirement=requirement, actor=contact, text="方案包含预算明细")
    acceptance = acceptances.acceptance_create(
        requirement=requirement,
        actor=contact,
        accepted_on=datetime.date.today(),
        departments=[departments["MKT"], departments["PRD"]],
        quality_rating="good",
    )
    for result in acceptance.results.all():
        acceptances.acceptance_judge(
            acceptance=acceptance, actor=contact, result=result, passed=True
        )
    acceptance = acceptances.acceptance_submit(acceptance=acceptance, actor=contact)
    ctx["acceptance"] = acceptance
    yield "acceptance_signing", ctx

    today = datetime.date.today()
    acceptance = acceptances.acceptance_fail(
        acceptance=acceptance,
        actor=leader,
        reason="宣传册需修改",
        rework=[
            {
                "name": "宣传册返工",
                "owner": users["dsn_liaison"],
                "planned_start": today,
                "planned_end": today + datetime.timedelta(days=3),
            }
        ],
    )
    ctx["rework"] = rework = acceptance.rework_tasks[0]
    yield "acceptance_failed", ctx

    tasks.task_start(task=rework, actor=users["dsn_liaison"])
    tasks.task_finish(task=rework, actor=users["dsn_liaison"])
    yield "rework_done", ctx

    acceptance = acceptances.acceptance_create(
        requirement=requirement,
        actor=contact,
        accepted_on=today,
        departments=[departments["MKT"], departments["PRD"]],
        quality_rating="excellent",
    )
    for result in acceptance.results.all():
        acceptances.acceptance_judge(
            acceptance=acceptance, actor=contact, result=result, passed=True
        )
    acceptance = acceptances.acceptance_submit(acceptance=acceptance, actor=contact)
    for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
        acceptances.acceptance_sign(
            acceptance=acceptance,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    ctx["acceptance"] = acceptances.acceptance_accept(acceptance=acceptance, actor=contact)
    yield "accepted", ctx

    requirements.requirement_complete(requirement=requirement, actor=leader)
    requirement.refresh_from_db()
    yield "completed", ctx

    retrospective = requirement.retrospective
    retrospectives.retrospective_update(
        retrospective=retrospective, actor=leader, data={"held_on": today, "reviewer": leader}
    )
    retrospectives.metric_add(
        retrospective=retrospective,
        actor=leader,
        data={"name": "销售额", "unit": "万元", "target": 500, "actual": 520},
    )
    retrospectives.finding_add(
        retrospective=retrospective, actor=leader, kind="highlight", text="每日同步"
    )
    improvement = retrospectives.improvement_add(
        retrospective=retrospective,
        actor=leader,
        data={
            "action": "建立品牌审核环节",
            "owner": users["dsn_liaison"],
            "due_date": today + datetime.timedelta(days=30),
        },
    )
    retrospectives.retrospective_confirm(retrospective=retrospective, actor=leader)
    ctx.update(retrospective=retrospective, improvement=improvement)
    yield "retrospective_confirmed", ctx

    retrospectives.improvement_finish(improvement=improvement, actor=users["dsn_liaison"])
    yield "loop_closed", ctx


CHECKPOINTS = (
    "filed",
    "head_disagrees",
    "rejected",
    "signed",
    "confirmed",
    "liaison_missing",
    "group_formed",
    "tasks_ready",
    "plans_drafted",
    "plans_in_review",
    "plans_approved",
    "started",
    "task_blocked",
    "issue_opened",
    "issue_resolved",
    "tasks_done",
    "acceptance_signing",
    "acceptance_failed",
    "rework_done",
    "accepted",
    "completed",
    "retrospective_confirmed",
    "loop_closed",
)
