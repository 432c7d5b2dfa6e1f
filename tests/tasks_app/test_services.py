import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from collab.core.transitions import TransitionBlocked
from requests_app.models import RequirementStatus
from requests_app.services import requirement_start
from tasks_app import plan_services, services
from tasks_app.models import ProgressUpdate, Task, TaskStatus
from tests.factories import make_requirement

from .conftest import make_task

D = datetime.date


def test_leader_coordinator_and_own_liaison_create_tasks(org, confirmed):
    users = org["users"]
    make_task(org, confirmed, "1", actor=users["mkt_head"])
    make_task(org, confirmed, "2", actor=users["director"])
    make_task(org, confirmed, "3", actor=users["prd_liaison"], owner="prd_liaison")
    assert Task.objects.filter(requirement=confirmed).count() == 3
    history = Task.objects.get(requirement=confirmed, code="3").history.first()
    assert history.history_user == users["prd_liaison"]


@pytest.mark.parametrize(
    ("actor", "owner"),
    [
        ("prd_liaison", "sal_liaison"),  # liaison of another department
        ("sal_head", "sal_liaison"),  # head but not in the group
        ("mkt_staff", "prd_liaison"),  # initiator, not in the group
        ("cha_contact", "prd_liaison"),  # partner liaison for another department
    ],
)
def test_others_cannot_create_tasks(org, confirmed, actor, owner):
    with pytest.raises(PermissionDenied):
        make_task(org, confirmed, "9", actor=org["users"][actor], owner=owner)
    assert not Task.objects.filter(requirement=confirmed).exists()


def test_tasks_need_a_confirmed_requirement(org):
    pending = make_requirement(org)
    from tests.factories import form_group

    form_group(org, pending)
    with pytest.raises(PermissionDenied):
        make_task(org, pending, "1")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "1.a"}, "code", "工作分解编号"),
        ({"planned_end": D(2026, 11, 1)}, "planned_end", "计划结束时间不能早于计划开始时间"),
        ({"name": ""}, "name", ""),
        ({"progress": 120}, "progress", ""),
    ],
)
def test_bad_input_is_refused_with_a_field_error(org, confirmed, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        make_task(org, confirmed, **{"code": "1", **overrides})
    assert field in error.value.message_dict
    assert message in "".join(error.value.message_dict[field])
    assert not Task.objects.filter(requirement=confirmed).exists()


def test_people_and_departments_must_take_part(org, confirmed):
    users, departments = org["users"], org["departments"]
    with pytest.raises(ValidationError) as error:
        make_task(
            org,
            confirmed,
            "1",
            owner_department=departments["PRD"],
            owner=users["sal_liaison"],
            collaborating_departments=[departments["DSN"]],
            collaborators=[users["dsn_liaison"]],
        )
    errors = error.value.message_dict
    assert "负责人必须属于负责部门" in errors["owner"]
    assert "设计部 不在本需求的涉及部门中" in errors["collaborating_departments"]
    assert "collaborators" in errors
    with pytest.raises(ValidationError) as error:
        make_task(
            org,
            confirmed,
            "1",
            owner_department=departments["DSN"],
            owner=users["dsn_liaison"],
            actor=users["director"],
        )
    assert "负责部门不在本需求的涉及部门中" in error.value.message_dict["owner_department"]


def test_partner_collaborators_are_allowed(org, confirmed):
    users, departments = org["users"], org["departments"]
    task = make_task(
        org,
        confirmed,
        "3.1",
        owner="sal_liaison",
        collaborating_departments=[departments["CHA"]],
        collaborators=[users["cha_contact"]],
    )
    assert [d.code for d in task.collaborating_departments.all()] == ["CHA"]


def test_code_is_unique_per_requirement_and_generated_when_empty(org, confirmed):
    make_task(org, confirmed, "1")
    with pytest.raises(ValidationError) as error:
        make_task(org, confirmed, "1")
    assert "任务ID 1 在本需求中已存在" in error.value.message_dict["code"]
    make_task(org, confirmed, "2.3")
    assert make_task(org, confirmed, "").code == "3"
    other = make_requirement(org)
    from tests.factories import confirm_requirement, form_group

    form_group(org, other)
    confirm_requirement(org, other)
    assert make_task(org, other, "1").code == "1"


def test_wbs_order(org, confirmed):
    for code in ("1.10", "2", "1.9", "1"):
        make_task(org, confirmed, code)
    codes = list(Task.objects.filter(requirement=confirmed).values_list("code", flat=True))
    assert codes == ["1", "1.9", "1.10", "2"]


def test_warns_outside_the_requirement_window(org, confirmed):
    task = make_task(org, confirmed, "1", planned_end=D(2027, 3, 5))
    warnings = services.task_warnings(task)
    assert any("晚于需求结束日期" in w for w in warnings)


def test_dependencies_same_requirement_and_no_cycles(org, confirmed):
    users = org["users"]
    a = make_task(org, confirmed, "1")
    b = make_task(org, confirmed, "2", depends_on=[a])
    c = make_task(org, confirmed, "3", depends_on=[b])
    with pytest.raises(ValidationError) as error:
        services.task_update(task=a, actor=users["mkt_head"], data={"depends_on": [c]})
    assert "前置任务形成循环依赖" in error.value.message_dict["depends_on"]
    with pytest.raises(ValidationError) as error:
        services.task_update(task=a, actor=users["mkt_head"], data={"depends_on": [a]})
    assert "任务不能依赖自身" in error.value.message_dict["depends_on"]
    assert list(a.depends_on.all()) == []


def test_task_update_permissions(org, running):
    users, task = org["users"], running["first"]
    services.task_update(task=task, actor=users["prd_liaison"], data={"name": "改名"})
    with pytest.raises(PermissionDenied):
        services.task_update(task=task, actor=users["sal_liaison"], data={"name": "x"})
    with pytest.raises(PermissionDenied):
        # a liaison cannot hand the task to another department
        services.task_update(
            task=task,
            actor=users["prd_liaison"],
            data={"owner_department": org["departments"]["SAL"], "owner": users["sal_liaison"]},
        )
    task.refresh_from_db()
    assert task.name == "改名" and task.owner_department.code == "PRD"


def test_start_only_while_requirement_in_progress(org, confirmed):
    task = make_task(org, confirmed, "1")
    with pytest.raises(TransitionBlocked) as error:
        services.task_start(task=task, actor=org["users"]["mkt_head"])
    assert "需求开始执行后才能开始任务" in str(error.value)


def test_full_lifecycle_by_the_owner(org, running):
    users = org["users"]
    owner = users["prd_liaison"]
    task = services.task_start(task=running["first"], actor=owner)
    assert task.status == TaskStatus.IN_PROGRESS
    for blank in ("  ", "\u200b\u200b", " \ufeff\n"):
        with pytest.raises(ValidationError):
            services.task_block(task=task, actor=owner, reason=blank)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    task = services.task_block(task=task, actor=owner, reason="\u200b等待素材 ")
    assert (task.status, task.block_reason) == (TaskStatus.BLOCKED, "等待素材")
    task = services.task_unblock(task=task, actor=owner)
    assert (task.status, task.block_reason) == (TaskStatus.IN_PROGRESS, "")
    with time_machine.travel(datetime.datetime(2026, 12, 9, 9, tzinfo=datetime.UTC)):
        task = services.task_finish(task=task, actor=owner)
        assert task.actual_end == D(2026, 12, 9)
    assert (task.status, task.progress) == (TaskStatus.DONE, 100)
    last = task.history.first()
    assert last.history_user == owner and last.history_change_reason == "完成任务"
    with pytest.raises(PermissionDenied):
        services.task_reopen(task=task, actor=owner, reason="返工")
    with pytest.raises(ValidationError):
        services.task_reopen(task=task, actor=users["mkt_head"], reason="")
    task = services.task_reopen(task=task, actor=users["mkt_head"], reason="返工")
    assert (task.status, task.actual_end) == (TaskStatus.IN_PROGRESS, None)
    assert task.history.order_by("-history_id").first().history_change_reason == "返工"


def test_finish_date_is_editable_but_not_in_the_future(org, running):
    owner = org["users"]["prd_liaison"]
    task = services.task_start(task=running["first"], actor=owner)
    with pytest.raises(ValidationError) as error:
        services.task_finish(task=task, actor=owner, actual_end=D(2099, 1, 1))
    assert "actual_end" in error.value.message_dict
    task = services.task_finish(task=task, actor=owner, actual_end=D(2026, 11, 1))
    assert task.actual_end == D(2026, 11, 1)


def test_illegal_transitions_are_blocked(org, running):
    leader = org["users"]["mkt_head"]
    for service in (services.task_finish, services.task_unblock):
        with pytest.raises(TransitionBlocked):
            service(task=running["first"], actor=leader)
    with pytest.raises(TransitionBlocked):
        services.task_block(task=running["first"], actor=leader, reason="x")


def test_finish_to_start_dependency(org, running):
    users = org["users"]
    with pytest.raises(TransitionBlocked) as error:
        services.task_start(task=running["second"], actor=users["sal_liaison"])
    assert "前置任务尚未完成：1" in str(error.value)
    first = services.task_start(task=running["first"], actor=users["prd_liaison"])
    services.task_finish(task=first, actor=users["prd_liaison"])
    task = services.task_start(task=running["second"], actor=users["sal_liaison"])
    assert task.status == TaskStatus.IN_PROGRESS


def test_cancel_by_leader_with_reason_only(org, running):
    users = org["users"]
    with pytest.raises(PermissionDenied):
        services.task_cancel(task=running["first"], actor=users["prd_liaison"], reason="x")
    with pytest.raises(ValidationError):
        services.task_cancel(task=running["first"], actor=users["mkt_head"], reason="")
    task = services.task_cancel(task=running["first"], actor=users["director"], reason="需求变更")
    assert (task.status, task.cancel_reason) == (TaskStatus.CANCELLED, "需求变更")
    # a cancelled predecessor no longer holds its successor
    task = services.task_start(task=running["second"], actor=users["sal_liaison"])
    assert task.status == TaskStatus.IN_PROGRESS


def test_strangers_cannot_run_transitions(org, running):
    for username in ("sal_head", "tec_staff", "cha_contact"):
        with pytest.raises(PermissionDenied):
            services.task_start(task=running["first"], actor=org["users"][username])


def test_progress_updates_and_comments(org, running):
    users = org["users"]
    task = running["first"]
    update = services.task_post_update(
        task=task,
        actor=users["prd_liaison"],
        progress=80,
        note="物料设计完成80%,预计7月25日交付",
        expected_end=D(2026, 12, 8),
    )
    task.refresh_from_db()
    assert task.progress == 80 and update.author == users["prd_liaison"]
    # collaborators comment but do not report progress
    services.task_post_update(task=task, actor=users["sal_liaison"], note="收到", kind="comment")
    with pytest.raises(PermissionDenied):
        services.task_post_update(task=task, actor=users["sal_liaison"], note="x", progress=90)
    with pytest.raises(PermissionDenied):
        services.task_post_update(task=task, actor=users["tec_staff"], note="x", kind="comment")
    with pytest.raises(ValidationError) as error:
        services.task_post_update(task=task, actor=users["prd_liaison"], note="", progress=101)
    assert {"note", "progress"} <= set(error.value.message_dict)
    notes = [u.note for u in task.updates.all()]
    assert notes == ["收到", "物料设计完成80%,预计7月25日交付"]  # newest first
    assert ProgressUpdate.objects.filter(task=task).count() == 2


def test_no_progress_on_closed_tasks(org, running):
    owner = org["users"]["prd_liaison"]
    task = services.task_start(task=running["first"], actor=owner)
    task = services.task_finish(task=task, actor=owner)
    with pytest.raises(ValidationError):
        services.task_post_update(task=task, actor=owner, note="x", progress=50)


def test_reschedule(org, running):
    users = org["users"]
    task = services.task_reschedule(
        task=running["first"],
        actor=users["prd_liaison"],
        planned_start=D(2026, 12, 2),
        planned_end=D(2026, 12, 12),
    )
    assert (task.planned_start, task.planned_end) == (D(2026, 12, 2), D(2026, 12, 12))
    assert task.history.first().history_change_reason == "调整计划时间"
    with pytest.raises(PermissionDenied):
        services.task_reschedule(
            task=task, actor=users["sal_liaison"], planned_start=D(2026, 12, 2),
            planned_end=D(2026, 12, 3),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.task_reschedule(
            task=task, actor=users["mkt_head"], planned_start=D(2026, 12, 5),
            planned_end=D(2026, 12, 3),
        )  # fmt: skip


def test_requirement_start_needs_tasks_and_approved_plans(org, confirmed):
    users = org["users"]
    with pytest.raises(TransitionBlocked) as error:
        requirement_start(requirement=confirmed, actor=users["mkt_head"])
    assert "尚未分解任务" in str(error.value)
    task = make_task(org, confirmed, "1")
    plan = plan_services.plan_create(
        requirement=confirmed, task=task, actor=users["prd_liaison"], title="物料方案", body="步骤"
    )
    with pytest.raises(TransitionBlocked) as error:
        requirement_start(requirement=confirmed, actor=users["mkt_head"])
    assert "以下方案尚未批准：物料方案" in str(error.value)
    _approve(org, plan)
    requirement = requirement_start(requirement=confirmed, actor=users["mkt_head"])
    assert requirement.status == RequirementStatus.IN_PROGRESS


def _approve(org, plan):
    from collab.signoffs.services import signoff_state
    from tasks_app.models import PLAN_STAGE

    plan = plan_services.plan_submit(plan=plan, actor=plan.author)
    for slot in signoff_state(plan, PLAN_STAGE):
        plan_services.plan_sign(
            plan=plan, actor=slot.signers[0], decision="approve", department=slot.department
        )
    return plan_services.plan_approve(plan=plan, actor=org["users"]["mkt_head"])


def test_plan_review_and_approval(org, confirmed):
    from collab.signoffs.services import signoff_state
    from tasks_app.models import PLAN_STAGE, PlanStatus

    users, departments = org["users"], org["departments"]
    task = make_task(org, confirmed, "1")
    plan = plan_services.plan_create(
        requirement=confirmed,
        task=task,
        actor=users["prd_liaison"],
        title="卖点方案",
        body="步骤",
        budget_amount=5,
        budget_unit="wan_yuan",
    )
    with pytest.raises(PermissionDenied):
        plan_services.plan_submit(plan=plan, actor=users["tec_staff"])
    plan = plan_services.plan_submit(plan=plan, actor=users["prd_liaison"])
    assert plan.versions.get().version == 1
    slots = signoff_state(plan, PLAN_STAGE)
    # the leader and the heads of the owner and collaborating departments
    assert [s.label for s in slots] == ["协作小组组长", "产品部负责人", "销售部负责人"]
    plan_services.plan_comment(plan=plan, actor=users["sal_head"], body="预算合理")
    with pytest.raises(PermissionDenied):
        plan_services.plan_comment(plan=plan, actor=users["tec_head"], body="x")
    with pytest.raises(TransitionBlocked) as error:
        plan_services.plan_approve(plan=plan, actor=users["mkt_head"])
    assert "等待 产品部负责人 签字" in str(error.value)
    with pytest.raises(PermissionDenied):
        plan_services.plan_sign(
            plan=plan, actor=users["sal_head"], decision="approve", department=departments["PRD"]
        )
    for slot in slots:
        plan_services.plan_sign(
            plan=plan, actor=slot.signers[0], decision="approve", department=slot.department
        )
    with pytest.raises(PermissionDenied):
        plan_services.plan_approve(plan=plan, actor=users["prd_liaison"])
    plan = plan_services.plan_approve(plan=plan, actor=users["mkt_head"])
    assert plan.status == PlanStatus.APPROVED
    # a revision after approval is a new version and a new round of sign-offs
    plan = plan_services.plan_revise(plan=plan, actor=users["prd_liaison"], reason="预算调整")
    assert (plan.status, plan.version) == (PlanStatus.DRAFT, 2)
    plan = plan_services.plan_update(
        plan=plan, actor=users["prd_liaison"], data={"budget_amount": 6}
    )
    plan = plan_services.plan_submit(plan=plan, actor=users["prd_liaison"])
    assert list(plan.versions.values_list("version", flat=True)) == [2, 1]
    assert all(not s.approved for s in signoff_state(plan, PLAN_STAGE))
    with pytest.raises(TransitionBlocked):
        plan_services.plan_approve(plan=plan, actor=users["mkt_head"])
    assert plan.comments.get().department.code == "SAL"


def test_plan_edits_only_in_draft_and_bad_budget(org, confirmed):
    users = org["users"]
    with pytest.raises(ValidationError) as error:
        plan_services.plan_create(
            requirement=confirmed,
            actor=users["mkt_head"],
            title="",
            body="x",
            budget_amount=-1,
        )
    assert {"title", "budget_amount"} <= set(error.value.message_dict)
    plan = plan_services.plan_create(
        requirement=confirmed, actor=users["mkt_head"], title="总体方案", body="x"
    )
    plan = plan_services.plan_submit(plan=plan, actor=users["mkt_head"])
    with pytest.raises(ValidationError):
        plan_services.plan_update(plan=plan, actor=users["mkt_head"], data={"title": "y"})
    with pytest.raises(PermissionDenied):
        plan_services.plan_create(
            requirement=confirmed, actor=users["prd_liaison"], title="t", body="x"
        )
