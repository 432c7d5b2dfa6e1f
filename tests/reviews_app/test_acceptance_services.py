"""Criteria, acceptance, completion and group dissolution through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collab.core.transitions import TransitionBlocked
from collab.notifications.models import Notification
from collab.signoffs.services import signoff_blockers
from requests_app.models import RequirementStatus
from requests_app.selectors import requirements_visible_to
from requests_app.services import group_add_member, requirement_complete
from reviews_app.acceptance import services
from reviews_app.models import (
    ACCEPTANCE_STAGE,
    AcceptanceStatus,
    GroupDissolution,
)
from tasks_app.models import TaskStatus
from tests.factories import confirm_requirement, form_group, make_requirement

from .conftest import run_acceptance, start_with_task

D = datetime.date


def _criterion(org, requirement, text="活动方案包含完整执行流程、预算明细、风险预案"):
    return services.criterion_add(
        requirement=requirement, actor=org["users"]["mkt_staff"], text=text
    )


def _create(org, requirement, **kwargs):
    departments = org["departments"]
    data = {
        "accepted_on": D(2026, 11, 20),
        "departments": [departments["MKT"], departments["SAL"], departments["PRD"]],
    }
    data.update(kwargs)
    return services.acceptance_create(
        requirement=requirement, actor=org["users"]["mkt_staff"], **data
    )


def test_criteria_are_editable_until_acceptance_starts(org, running):
    criterion = _criterion(org, running)
    services.criterion_update(
        criterion=criterion, actor=org["users"]["mkt_head"], text="方案含预算明细"
    )
    criterion.refresh_from_db()
    assert criterion.text == "方案含预算明细"
    with pytest.raises(ValidationError):
        services.criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text=" ")
    with pytest.raises(PermissionDenied):
        services.criterion_add(requirement=running, actor=org["users"]["sal_liaison"], text="x")

    acceptance = _create(org, running)
    assert [r.text for r in acceptance.results.all()] == ["方案含预算明细"]
    with pytest.raises(ValidationError, match="验收已开始"):
        services.criterion_update(criterion=criterion, actor=org["users"]["mkt_staff"], text="y")
    with pytest.raises(ValidationError, match="验收已开始"):
        services.criterion_delete(criterion=criterion, actor=org["users"]["mkt_staff"])
    assert running.acceptance_criteria.count() == 1


def test_acceptance_needs_a_running_requirement_and_criteria(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    _criterion(org, requirement)
    with pytest.raises(ValidationError, match="执行中"):
        _create(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    requirement.acceptance_criteria.all().delete()
    with pytest.raises(ValidationError, match="验收标准"):
        _create(org, requirement)


def test_acceptance_group_must_take_part(org, running):
    _criterion(org, running)
    with pytest.raises(ValidationError) as error:
        _create(org, running, departments=[org["departments"]["OPS"]])
    assert "运营部" in str(error.value)
    assert not running.acceptances.exists()


def test_deliverables_default_to_the_done_tasks(org, running):
    _criterion(org, running)
    acceptance = _create(org, running)
    deliverable = acceptance.deliverables.get()
    assert deliverable.name == "《推广活动方案V1.0》"
    assert deliverable.task.code == "1.1"


def test_submit_lists_what_is_missing(org, running):
    _criterion(org, running)
    acceptance = _create(org, running, deliverables=[])
    with pytest.raises(TransitionBlocked) as blocked:
        services.acceptance_submit(acceptance=acceptance, actor=org["users"]["mkt_staff"])
    text = str(blocked.value)
    assert "尚未判定" in text and "质量评价" in text and "交付成果清单为空" in text
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.DRAFT


def test_failing_a_criterion_needs_a_comment(org, running):
    _criterion(org, running)
    acceptance = _create(org, running)
    result = acceptance.results.get()
    with pytest.raises(ValidationError):
        services.acceptance_judge(
            acceptance=acceptance, actor=org["users"]["mkt_staff"], result=result, passed=False
        )
    result.refresh_from_db()
    assert result.passed is None


def test_sign_off_by_initiating_and_every_group_department(org, running):
    users = org["users"]
    _criterion(org, running)
    acceptance = _create(org, running, quality_rating="excellent")
    for result in acceptance.results.all():
        services.acceptance_judge(
            acceptance=acceptance, actor=users["mkt_staff"], result=result, passed=True
        )
    acceptance = services.acceptance_submit(acceptance=acceptance, actor=users["mkt_staff"])
    slots = acceptance.signoff_slots(ACCEPTANCE_STAGE)
    assert [s.department.code for s in slots] == ["MKT", "PRD", "SAL"]
    assert Notification.objects.filter(
        kind="acceptance_signoff", recipient=users["sal_head"]
    ).exists()
    with pytest.raises(TransitionBlocked, match="等待"):
        services.acceptance_accept(acceptance=acceptance, actor=users["mkt_staff"])
    with pytest.raises(PermissionDenied):
        services.acceptance_sign(
            acceptance=acceptance,
            actor=users["sal_liaison"],
            decision="approve",
            department=org["departments"]["SAL"],
        )
    for slot in slots:
        services.acceptance_sign(acceptance=acceptance, actor=slot.signers[0], decision="approve")
    acceptance = services.acceptance_accept(acceptance=acceptance, actor=users["mkt_staff"])
    assert acceptance.status == AcceptanceStatus.PASSED
    retrospective = acceptance.retrospective
    assert retrospective.due_on == D(2026, 11, 27)
    assert retrospective.reviewer == users["mkt_head"]
    assert Notification.objects.filter(
        kind="retrospective_due", recipient=users["mkt_head"]
    ).exists()


def test_a_rejecting_signature_blocks_and_revise_starts_a_new_round(org, running):
    users = org["users"]
    _criterion(org, running)
    acceptance = _create(org, running, quality_rating="good")
    for result in acceptance.results.all():
        services.acceptance_judge(
            acceptance=acceptance, actor=users["mkt_staff"], result=result, passed=True
        )
    acceptance = services.acceptance_submit(acceptance=acceptance, actor=users["mkt_staff"])
    services.acceptance_sign(
        acceptance=acceptance, actor=users["sal_head"], decision="reject", comment="数据不全"
    )
    with pytest.raises(TransitionBlocked, match="销售部负责人 不同意"):
        services.acceptance_accept(acceptance=acceptance, actor=users["mkt_head"])
    with pytest.raises(ValidationError):
        services.acceptance_update(
            acceptance=acceptance, actor=users["mkt_staff"], data={"quality_comment": "x"}
        )
    acceptance = services.acceptance_revise(acceptance=acceptance, actor=users["mkt_staff"])
    assert (acceptance.status, acceptance.round) == (AcceptanceStatus.DRAFT, 2)
    services.acceptance_update(
        acceptance=acceptance, actor=users["mkt_staff"], data={"quality_comment": "补齐数据"}
    )
    acceptance = services.acceptance_submit(acceptance=acceptance, actor=users["mkt_staff"])
    blockers = signoff_blockers(acceptance, ACCEPTANCE_STAGE)
    assert len(blockers) == 3  # the old round's signatures no longer count


def test_complete_needs_passed_acceptance_and_closed_tasks(org, running):
    users = org["users"]
    with pytest.raises(TransitionBlocked, match="尚未通过成果验收"):
        requirement_complete(requirement=running, actor=users["mkt_head"])
    from tasks_app.services import task_create

    extra = task_create(
        requirement=running,
        actor=users["mkt_head"],
        code="2.1",
        name="宣传物料制作",
        owner_department=org["departments"]["SAL"],
        owner=users["sal_liaison"],
        planned_start=running.start_date,
        planned_end=running.end_date,
    )
    run_acceptance(org, running)
    with pytest.raises(TransitionBlocked) as blocked:
        requirement_complete(requirement=running, actor=users["mkt_head"])
    assert blocked.value.reasons == ["以下任务尚未完成或取消：2.1"]

    from tasks_app.services import task_cancel

    task_cancel(task=extra, actor=users["mkt_head"], reason="并入1.1")
    requirement = requirement_complete(requirement=running, actor=users["mkt_head"])
    assert requirement.status == RequirementStatus.COMPLETED


def test_completing_dissolves_the_group_members_keep_read_access(org, running):
    users = org["users"]
    run_acceptance(org, running)
    requirement_complete(requirement=running, actor=users["mkt_head"])
    dissolution = GroupDissolution.objects.get(requirement=running)
    assert dissolution.dissolved_by == users["mkt_head"]
    assert running.members.count() == 4  # leader and three liaisons, rows kept
    for username in ("sal_liaison", "prd_liaison", "cha_contact"):
        assert requirements_visible_to(users[username]).filter(pk=running.pk).exists()
    # The members are told the requirement is completed and the group dissolved.
    completed = Notification.objects.get(
        kind="requirement_completed", recipient=users["cha_contact"]
    )
    assert "协作小组已解散" in completed.message
    running.refresh_from_db()
    with pytest.raises(PermissionDenied):
        group_add_member(
            requirement=running,
            actor=users["director"],
            user=users["ops_staff"],
            role="member",
        )


def test_failed_acceptance_sends_back_with_rework_tasks(org, running):
    users = org["users"]
    _criterion(org, running)
    acceptance = _create(org, running, quality_rating="fail")
    with pytest.raises(ValidationError):
        services.acceptance_fail(acceptance=acceptance, actor=users["mkt_head"], reason="")
    acceptance = services.acceptance_fail(
        acceptance=acceptance,
        actor=users["mkt_head"],
        reason="风险预案缺失",
        rework=[
            {
                "name": "补充风险预案",
                "owner": users["prd_liaison"],
                "planned_start": running.start_date,
                "planned_end": running.end_date,
            }
        ],
    )
    assert acceptance.status == AcceptanceStatus.FAILED
    assert acceptance.failure_reason == "风险预案缺失"
    task = running.tasks.get(name="补充风险预案")
    assert (task.status, task.owner_department.code, task.priority) == (
        TaskStatus.NOT_STARTED,
        "PRD",
        "P0",
    )
    running.refresh_from_db()
    assert running.status == RequirementStatus.IN_PROGRESS
    with pytest.raises(TransitionBlocked):
        requirement_complete(requirement=running, actor=users["mkt_head"])
    # Criteria editable again, and a second acceptance can start.
    _criterion(org, running, text="风险预案经运营部确认")
    second = _create(org, running)
    assert second.attempt == 2
    assert second.results.count() == 2


def test_rework_tasks_need_a_task_manager(org, running):
    users = org["users"]
    _criterion(org, running)
    acceptance = _create(org, running)
    with pytest.raises(PermissionDenied):
        services.acceptance_fail(
            acceptance=acceptance,
            actor=users["mkt_staff"],
            reason="不合格",
            rework=[
                {
                    "name": "返工",
                    "owner": users["sal_liaison"],
                    "planned_start": running.start_date,
                    "planned_end": running.end_date,
                }
            ],
        )
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.DRAFT  # nothing written


def test_only_runners_may_run_acceptance(org, running):
    _criterion(org, running)
    with pytest.raises(PermissionDenied):
        services.acceptance_create(
            requirement=running,
            actor=org["users"]["sal_liaison"],
            accepted_on=D(2026, 11, 20),
            departments=[org["departments"]["MKT"]],
        )
