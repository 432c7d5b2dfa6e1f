"""One whole loop of a requirement, step by step, through the registers' services: filed,
a rejected signature, rejected, resubmitted, signed, confirmed, group formed, tasks and a
plan, started, blocked and unblocked, reassigned, an issue and a risk, a meeting with
minutes and an action item, mentions, tasks finished late and on time, a failed and a
passed acceptance, the retrospective with an improvement action, completed.

Each step names the notices it must produce: kind -> the usernames told, written out
by hand (never computed by the code under test)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from tests.factories import make_requirement

D = datetime.date
NOW = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))

# Who is who in the demo organization.
COORDINATOR, INITIATOR, LEADER = "director", "mkt_staff", "mkt_head"
HEADS = {"PRD": "prd_head", "SAL": "sal_head", "DSN": "dsn_head", "TEC": "tec_head"}


@dataclass
class Step:
    name: str
    run: Callable[[dict], None]
    told: dict[str, set[str]]


def _sign_review(org, state):
    from requests_app.selectors import review_slots
    from requests_app.services import requirement_sign

    requirement = state["requirement"]
    for slot in review_slots(requirement):
        requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )


def _tasks(org, state):
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    common = {"requirement": state["requirement"], "actor": users[LEADER]}
    state["task_a"] = task_create(
        **common,
        code="1",
        name="渠道对接",
        owner_department=departments["SAL"],
        owner=users["sal_liaison"],
        collaborators=[users["prd_liaison"]],
        planned_start=D(2026, 12, 1),
        planned_end=D(2026, 12, 5),
        deliverable="渠道清单",
    )
    state["task_b"] = task_create(
        **common,
        code="2",
        name="活动方案设计",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=D(2026, 12, 1),
        planned_end=D(2026, 12, 31),
        deliverable="活动方案",
    )


def _plan(org, state):
    from tasks_app.plan_services import plan_create, plan_submit

    owner = org["users"]["sal_liaison"]
    plan = plan_create(
        requirement=state["requirement"],
        actor=owner,
        task=state["task_a"],
        title="渠道对接方案",
        body="1. 名单 2. 拜访",
    )
    state["plan"] = plan_submit(plan=plan, actor=owner)


def _approve_plan(org, state):
    from tasks_app.plan_services import plan_approve, plan_sign

    users, plan = org["users"], state["plan"]
    plan_sign(plan=plan, actor=users[LEADER], decision="approve")
    plan_sign(
        plan=plan, actor=users["sal_head"], decision="approve", department=org["departments"]["SAL"]
    )
    plan_approve(plan=plan, actor=users[LEADER])


def _block(org, state):
    from tasks_app.services import task_block, task_start

    owner = org["users"]["sal_liaison"]
    task = task_start(task=state["task_a"], actor=owner)
    state["task_a"] = task_block(task=task, actor=owner, reason="等待渠道商报价")


def _risk(org, state, *, actor, owner, kind, impact):
    from risks_app.services import risk_create

    users = org["users"]
    return risk_create(
        requirement=state["requirement"],
        actor=users[actor],
        data={
            "kind": kind,
            "description": f"{kind} {impact}：渠道商报价延迟",
            "impact": impact,
            "owner": users[owner],
            "owner_department": users[owner].department,
            "planned_resolution": D(2026, 12, 20),
        },
    )


def _meeting(org, state):
    from meetings.services import meeting_create

    users = org["users"]
    state["meeting"] = meeting_create(
        requirement=state["requirement"],
        actor=users[LEADER],
        kind="weekly",
        held_at=datetime.datetime(2026, 12, 11, 10, 0, tzinfo=NOW.tzinfo),
        attendees=[users["prd_liaison"], users["sal_liaison"]],
        title="协作例会 第1周",
        location="3号会议室",
    )


def _publish(org, state):
    from meetings.services import meeting_publish, meeting_update

    leader = org["users"][LEADER]
    meeting = meeting_update(
        meeting=state["meeting"],
        actor=leader,
        data={"minutes": "渠道进度讨论。请 @sal_head 确认报价。"},
    )
    meeting_publish(meeting=meeting, actor=leader)


def _acceptance(org, state):
    from reviews_app.acceptance.services import (
        acceptance_create,
        acceptance_judge,
        acceptance_submit,
        criterion_add,
    )

    users, departments = org["users"], org["departments"]
    initiator = users[INITIATOR]
    requirement = state["requirement"]
    if not requirement.acceptance_criteria.exists():
        criterion_add(requirement=requirement, actor=initiator, text="渠道覆盖率达到80%")
    acceptance = acceptance_create(
        requirement=requirement,
        actor=initiator,
        accepted_on=D(2026, 12, 10),
        departments=[departments["PRD"], departments["SAL"]],
        quality_rating="good",
    )
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    state["acceptance"] = acceptance_submit(acceptance=acceptance, actor=initiator)


def _accept(org, state):
    from collab.signoffs.services import signoff_state
    from reviews_app.acceptance.services import acceptance_accept, acceptance_sign
    from reviews_app.models import ACCEPTANCE_STAGE

    acceptance = state["acceptance"]
    for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
        acceptance_sign(
            acceptance=acceptance,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    acceptance = acceptance_accept(acceptance=acceptance, actor=org["users"][INITIATOR])
    state["retrospective"] = acceptance.retrospective


def _improvement(org, state):
    from reviews_app.retrospective import services

    users, leader = org["users"], org["users"][LEADER]
    retrospective = state["retrospective"]
    services.retrospective_update(
        retrospective=retrospective,
        actor=leader,
        data={"held_on": D(2026, 12, 10), "reviewer": users[INITIATOR]},
    )
    services.metric_add(
        retrospective=retrospective,
        actor=leader,
        data={"name": "渠道覆盖率", "unit": "%", "target": "80", "actual": "85"},
    )
    services.finding_add(retrospective=retrospective, actor=leader, kind="problem", text="报价慢")
    services.improvement_add(
        retrospective=retrospective,
        actor=leader,
        data={"action": "建立报价模板", "owner": users["prd_head"], "due_date": D(2026, 12, 31)},
    )


def steps(org) -> list[Step]:
    from meetings.services import action_item_add
    from requests_app import services as requirements
    from reviews_app.acceptance.services import acceptance_fail
    from reviews_app.retrospective.services import retrospective_confirm
    from risks_app.services import risk_escalate, risk_resolve, risk_update
    from tasks_app.services import (
        task_finish,
        task_post_update,
        task_start,
        task_unblock,
        task_update,
    )

    users = org["users"]
    u = users.__getitem__

    def file(state):
        state["requirement"] = make_requirement(org, actor=u(INITIATOR))

    def reject_signature(state):
        requirements.requirement_sign(
            requirement=state["requirement"],
            actor=u("prd_head"),
            decision="reject",
            comment="预算不清楚",
            department=org["departments"]["PRD"],
        )

    def transition(name, actor, **kwargs):
        def run(state):
            service = requirements.TRANSITION_SERVICES[name]
            state["requirement"] = service(
                requirement=state["requirement"], actor=u(actor), **kwargs
            )

        return run

    def form_group(state):
        from tests.factories import form_group as form

        form(org, state["requirement"])

    def risk(actor, owner, kind, impact, key):
        def run(state):
            state[key] = _risk(org, state, actor=actor, owner=owner, kind=kind, impact=impact)

        return run

    everyone_in_group = {"prd_liaison", "sal_liaison", "cha_contact"}
    return [
        Step("filed", file, {"requirement_filed": {COORDINATOR, LEADER, "prd_head", "sal_head"}}),
        Step(
            "a head rejects", reject_signature, {"review_sign_rejected": {INITIATOR, COORDINATOR}}
        ),
        Step(
            "rejected",
            transition("reject", COORDINATOR, reason="预算需细化"),
            {"requirement_rejected": {INITIATOR}},
        ),
        Step(
            "resubmitted",
            transition("resubmit", INITIATOR),
            {"review_sign_requested": {COORDINATOR, LEADER, "prd_head", "sal_head"}},
        ),
        Step(
            "everyone signs",
            lambda state: _sign_review(org, state),
            {"review_signed": {INITIATOR, COORDINATOR}},
        ),
        Step(
            "confirmed", transition("confirm", COORDINATOR), {"requirement_confirmed": {INITIATOR}}
        ),
        Step(
            "group formed",
            form_group,
            {"member_added": {LEADER, INITIATOR, *everyone_in_group}},
        ),
        Step(
            "tasks assigned",
            lambda state: _tasks(org, state),
            {"task_assigned": {"sal_liaison", "prd_liaison", INITIATOR}},
        ),
        Step(
            "plan submitted",
            lambda state: _plan(org, state),
            {"plan_submitted": {LEADER, "sal_head", INITIATOR}},
        ),
        Step(
            "plan approved",
            lambda state: _approve_plan(org, state),
            {"plan_approved": {"sal_liaison", INITIATOR}},
        ),
        Step(
            "started",
            transition("start", LEADER),
            {"requirement_started": {INITIATOR, *everyone_in_group}},
        ),
        Step("blocked", lambda state: _block(org, state), {"task_blocked": {LEADER, INITIATOR}}),
        Step(
            "unblocked",
            lambda state: task_unblock(task=state["task_a"], actor=u(LEADER)),
            {"task_unblocked": {"sal_liaison", INITIATOR}},
        ),
        Step(
            "task reassigned",
            lambda state: task_update(
                task=state["task_a"], actor=u(LEADER), data={"owner": u("sal_head")}
            ),
            {"task_reassigned": {"sal_head", "prd_liaison", INITIATOR}},
        ),
        Step(
            "high-impact issue raised",
            risk(LEADER, "prd_liaison", "issue", "high", "issue"),
            {"risk_raised": {"prd_liaison", COORDINATOR, INITIATOR}},
        ),
        Step(
            "medium risk raised",
            risk("prd_liaison", "sal_liaison", "risk", "medium", "risk"),
            {"risk_raised": {"sal_liaison", LEADER, INITIATOR}},
        ),
        Step(
            "issue reassigned",
            lambda state: risk_update(
                risk=state["issue"],
                actor=u(LEADER),
                data={"owner": u("sal_liaison"), "owner_department": org["departments"]["SAL"]},
            ),
            {"risk_reassigned": {"sal_liaison", COORDINATOR, INITIATOR}},
        ),
        Step(
            "issue resolved",
            lambda state: risk_resolve(
                risk=state["issue"],
                actor=u("sal_liaison"),
                measures="改用备选渠道商",
                actual_resolution=D(2026, 12, 10),
            ),
            {"risk_resolved": {LEADER, INITIATOR}},
        ),
        Step(
            "risk escalated",
            lambda state: risk_escalate(risk=state["risk"], actor=u(LEADER), note="需要预算支持"),
            {"risk_escalated": {COORDINATOR, INITIATOR}},
        ),
        Step(
            "meeting scheduled",
            lambda state: _meeting(org, state),
            {"meeting_scheduled": {"prd_liaison", "sal_liaison", INITIATOR}},
        ),
        Step(
            "action item assigned",
            lambda state: state.update(
                item=action_item_add(
                    meeting=state["meeting"],
                    actor=u(LEADER),
                    text="整理渠道报价",
                    owner=u("prd_liaison"),
                    due_date=D(2026, 12, 15),
                )
            ),
            {"action_item_assigned": {"prd_liaison", INITIATOR}},
        ),
        Step(
            "minutes published",
            lambda state: _publish(org, state),
            {
                "minutes_published": {INITIATOR, *everyone_in_group},
                "user_mentioned": {"sal_head"},
            },
        ),
        Step(
            "a comment mentions the leader and someone who may not see the requirement",
            lambda state: task_post_update(
                task=state["task_b"],
                actor=u("prd_liaison"),
                note="@mkt_head 请看方案初稿，@dsn_head 也看看",
                kind="comment",
            ),
            {"user_mentioned": {LEADER}},
        ),
        Step(
            "task finished late",
            lambda state: task_finish(task=state["task_a"], actor=u("sal_head")),
            {"task_finished_late": {LEADER, COORDINATOR, INITIATOR}},
        ),
        Step(
            "task finished on time",
            lambda state: task_finish(
                task=task_start(task=state["task_b"], actor=u("prd_liaison")),
                actor=u("prd_liaison"),
            ),
            {"task_finished": {LEADER, INITIATOR}},
        ),
        Step(
            "acceptance submitted",
            lambda state: _acceptance(org, state),
            {"acceptance_signoff": {LEADER, "prd_head", "sal_head"}},
        ),
        Step(
            "acceptance failed",
            lambda state: acceptance_fail(
                acceptance=state["acceptance"], actor=u(INITIATOR), reason="覆盖率数据缺失"
            ),
            {"acceptance_failed": {LEADER, *everyone_in_group}},
        ),
        Step(
            "acceptance submitted again",
            lambda state: _acceptance(org, state),
            {"acceptance_signoff": {LEADER, "prd_head", "sal_head"}},
        ),
        Step(
            "acceptance passed",
            lambda state: _accept(org, state),
            {
                "acceptance_passed": {LEADER, *everyone_in_group},
                "retrospective_due": {LEADER, COORDINATOR},
            },
        ),
        Step(
            "improvement action assigned",
            lambda state: _improvement(org, state),
            {"improvement_assigned": {"prd_head", INITIATOR}},
        ),
        Step(
            "retrospective shared",
            lambda state: retrospective_confirm(
                retrospective=state["retrospective"], actor=u(LEADER)
            ),
            {"retrospective_shared": {*HEADS.values(), "ops_head", INITIATOR}},
        ),
        Step(
            "completed",
            transition("complete", LEADER),
            {"requirement_completed": {INITIATOR, *everyone_in_group}},
        ),
    ]
