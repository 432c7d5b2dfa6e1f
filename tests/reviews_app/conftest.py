import datetime

import pytest

from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets fifteen passwords per test; hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def start_with_task(org, requirement, *, finish=True):
    """Break the requirement into one task, start it and (optionally) finish the task."""
    from requests_app.services import requirement_start
    from tasks_app.services import task_create, task_finish, task_start

    users, departments = org["users"], org["departments"]
    leader = users["mkt_head"]
    task = task_create(
        requirement=requirement,
        actor=leader,
        code="1.1",
        name="活动方案设计",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=requirement.start_date,
        planned_end=requirement.start_date + datetime.timedelta(days=10),
        deliverable="《推广活动方案V1.0》",
        priority="P0",
    )
    requirement = requirement_start(requirement=requirement, actor=leader)
    task = task_start(task=task, actor=leader)
    if finish:
        task = task_finish(task=task, actor=leader)
    return requirement, task


@pytest.fixture
def running(org):
    """An in-progress requirement (MKT; PRD, SAL, CHA), group formed, task 1.1 done."""
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    return requirement


def run_acceptance(org, requirement, *, accepted_on=datetime.date(2026, 11, 20)):
    """Criteria, a judged acceptance by MKT/SAL/PRD, every head signs, accepted."""
    from collab.signoffs.services import signoff_state
    from reviews_app.acceptance.services import (
        acceptance_accept,
        acceptance_create,
        acceptance_judge,
        acceptance_sign,
        acceptance_submit,
        criterion_add,
    )
    from reviews_app.models import ACCEPTANCE_STAGE

    users, departments = org["users"], org["departments"]
    initiator = users["mkt_staff"]
    if not requirement.acceptance_criteria.exists():
        criterion_add(
            requirement=requirement,
            actor=initiator,
            text="活动方案包含完整执行流程、预算明细、风险预案",
        )
    acceptance = acceptance_create(
        requirement=requirement,
        actor=initiator,
        accepted_on=accepted_on,
        departments=[departments[c] for c in ("MKT", "SAL", "PRD")],
        quality_rating="excellent",
        quality_comment="方案执行到位,数据完整",
    )
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
        acceptance_sign(
            acceptance=acceptance,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    return acceptance_accept(acceptance=acceptance, actor=initiator)


def bulk_retrospectives(org, count: int, *, prefix: str = "2025-MKT"):
    """`count` completed requirements with a passed acceptance and a confirmed
    retrospective (two metrics, findings, one improvement action each), written in bulk:
    only list pages and endpoints read them."""
    from django.utils import timezone

    from requests_app.models import Requirement
    from reviews_app.models import (
        Acceptance,
        Deliverable,
        Finding,
        ImprovementAction,
        Metric,
        Retrospective,
    )

    users, departments = org["users"], org["departments"]
    start = datetime.date(2025, 1, 1)
    requirements = Requirement.objects.bulk_create(
        Requirement(
            number=f"{prefix}-{i + 1:03d}",
            initiating_department=departments["MKT"],
            contact=users["mkt_staff"],
            topic=f"批量协作{i}",
            goal="目标",
            start_date=start,
            end_date=start,
            coordinator=users["director"],
            status="completed",
        )
        for i in range(count)
    )
    through = Requirement.departments.through
    through.objects.bulk_create(
        through(requirement=r, department=departments[code])
        for r in requirements
        for code in ("PRD", "TEC")
    )
    acceptances = Acceptance.objects.bulk_create(
        Acceptance(
            requirement=r,
            accepted_on=start,
            quality_rating="good",
            status="passed",
            created_by=users["mkt_staff"],
        )
        for r in requirements
    )
    Acceptance.departments.through.objects.bulk_create(
        Acceptance.departments.through(acceptance=a, department=departments["MKT"])
        for a in acceptances
    )
    Deliverable.objects.bulk_create(Deliverable(acceptance=a, name="报告") for a in acceptances)
    now = timezone.now()
    retrospectives = Retrospective.objects.bulk_create(
        Retrospective(
            requirement=r,
            acceptance=a,
            due_on=start + datetime.timedelta(days=7),
            held_on=start,
            reviewer=users["mkt_head"],
            status="confirmed",
            confirmed_at=now,
            confirmed_by=users["mkt_head"],
        )
        for r, a in zip(requirements, acceptances, strict=True)
    )
    Metric.objects.bulk_create(
        Metric(retrospective=rt, name=name, unit="万元", target=500, actual=actual)
        for rt in retrospectives
        for name, actual in (("销售额", 520), ("成本", 480))
    )
    Finding.objects.bulk_create(
        Finding(retrospective=rt, kind=kind, text=f"{kind}-数据监测")
        for rt in retrospectives
        for kind in ("highlight", "problem")
    )
    ImprovementAction.objects.bulk_create(
        ImprovementAction(
            retrospective=rt,
            action="建立数据日报机制",
            owner_department=departments["TEC"],
            owner=users["tec_staff"],
            due_date=start + datetime.timedelta(days=30),
        )
        for rt in retrospectives
    )
    return retrospectives
