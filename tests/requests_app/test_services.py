"""Use cases of the requirement register: validation, numbering, the reviewed lifecycle,
sign-offs and the collaboration group."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from collab.core.transitions import TransitionBlocked
from collab.signoffs.models import SignOff
from requests_app import services
from requests_app.models import (
    GroupMember,
    GroupRole,
    NumberSequence,
    Requirement,
    RequirementStatus,
)
from requests_app.selectors import review_slots
from tests.factories import (
    UserFactory,
    confirm_requirement,
    form_group,
    make_requirement,
    requirement_data,
)

pytestmark = pytest.mark.django_db

FILED = "2026-03-02 10:00 +0800"


def written_rows():
    return (
        Requirement.objects.count(),
        Requirement.history.count(),
        NumberSequence.objects.count(),
        sum(s.last_value for s in NumberSequence.objects.all()),
        Requirement.departments.through.objects.count(),
    )


def sign_all(org, requirement, *, except_codes=()):
    for slot in review_slots(requirement):
        code = slot.department.code if slot.department else None
        if code in except_codes:
            continue
        services.requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )


def blocked_reasons(excinfo) -> str:
    return "；".join(excinfo.value.reasons)


# Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "departments", "field", "message"),
    [
        ({"topic": ""}, ("PRD",), "topic", None),
        ({"goal": "  "}, ("PRD",), "goal", None),
        ({}, (), "departments", "请至少选择一个涉及部门"),
        (
            {"start_date": datetime.date(2026, 5, 2), "end_date": datetime.date(2026, 5, 1)},
            ("PRD",),
            "end_date",
            "结束日期不能早于开始日期",
        ),
        ({"priority": "P9"}, ("PRD",), "priority", None),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(org, overrides, departments, field, message):
    before = written_rows()
    with pytest.raises(ValidationError) as excinfo:
        make_requirement(org, departments=departments, **overrides)
    errors = excinfo.value.message_dict
    assert field in errors
    if message:
        assert message in errors[field]
    assert written_rows() == before


def test_coordinator_must_be_a_coordinator_user(org):
    before = written_rows()
    with pytest.raises(ValidationError) as excinfo:
        make_requirement(org, coordinator=org["users"]["prd_head"])
    assert excinfo.value.message_dict["coordinator"] == ["所选用户不是协作协调人"]
    assert written_rows() == before


def test_initiating_department_must_be_internal(org):
    with pytest.raises(ValidationError) as excinfo:
        make_requirement(org, initiating_department=org["departments"]["CHA"])
    assert "initiating_department" in excinfo.value.message_dict


def test_several_errors_are_reported_together(org):
    with pytest.raises(ValidationError) as excinfo:
        make_requirement(org, departments=(), topic="", coordinator=org["users"]["mkt_head"])
    assert {"topic", "departments", "coordinator"} <= set(excinfo.value.message_dict)


def test_partner_cannot_file_a_requirement(org):
    before = written_rows()
    with pytest.raises(PermissionDenied):
        make_requirement(org, actor=org["users"]["cha_contact"])
    assert written_rows() == before


def test_user_without_department_must_name_the_initiating_department(org):
    director = org["users"]["director"]
    data = requirement_data(org)
    del data["initiating_department"]
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_create(
            actor=director, data=data, departments=[org["departments"]["PRD"]]
        )
    assert "initiating_department" in excinfo.value.message_dict


def test_create_records_contact_and_history(org):
    requirement = make_requirement(org, contact_info="")
    staff = org["users"]["mkt_staff"]
    assert requirement.contact == staff
    assert requirement.status == RequirementStatus.PENDING_REVIEW
    assert requirement.review_round == 1
    assert {d.code for d in requirement.departments.all()} == {"PRD", "SAL", "CHA"}
    record = requirement.history.get(history_type="+")
    assert record.history_user == staff
    assert record.history_change_reason == "发起需求"


# Numbers --------------------------------------------------------------------------------


@time_machine.travel(FILED, tick=False)
def test_numbers_are_consecutive_per_year_and_department(org):
    mkt = [make_requirement(org).number for _ in range(3)]
    assert mkt == ["2026-MKT-001", "2026-MKT-002", "2026-MKT-003"]
    prd = make_requirement(
        org, actor=org["users"]["prd_head"], initiating_department=org["departments"]["PRD"]
    )
    assert prd.number == "2026-PRD-001"


def test_sequence_restarts_in_a_new_filing_year(org):
    with time_machine.travel("2026-12-31 23:00 +0800", tick=False):
        assert make_requirement(org).number == "2026-MKT-001"
    with time_machine.travel("2027-01-01 00:30 +0800", tick=False):
        # The filing year counts (Asia/Shanghai), not the start date of the work.
        later = make_requirement(org, start_date=datetime.date(2026, 12, 1))
        assert later.number == "2027-MKT-001"


@time_machine.travel(FILED, tick=False)
def test_numbers_are_never_reused_after_delete(org):
    first = make_requirement(org)
    second = make_requirement(org)
    assert second.number == "2026-MKT-002"
    second.delete()
    first.delete()
    assert make_requirement(org).number == "2026-MKT-003"


def test_imported_number_is_kept_and_bumps_the_sequence(org):
    imported = services.requirement_create(
        actor=org["users"]["mkt_staff"],
        data=requirement_data(org),
        departments=[org["departments"]["PRD"]],
        number="2024-MKT-001",
    )
    assert imported.number == "2024-MKT-001"
    filed_2024 = datetime.date(2024, 8, 1)
    following = services.requirement_create(
        actor=org["users"]["mkt_staff"],
        data=requirement_data(org),
        departments=[org["departments"]["PRD"]],
        filed_on=filed_2024,
    )
    assert following.number == "2024-MKT-002"
    services.requirement_create(
        actor=org["users"]["mkt_staff"],
        data=requirement_data(org),
        departments=[org["departments"]["PRD"]],
        number="2024-MKT-007",
    )
    after_gap = services.requirement_create(
        actor=org["users"]["mkt_staff"],
        data=requirement_data(org),
        departments=[org["departments"]["PRD"]],
        filed_on=filed_2024,
    )
    assert after_gap.number == "2024-MKT-008"


@pytest.mark.parametrize("number", ["2024-MKT-001", "2024-PRD-009", "24-MKT-1", "abc"])
def test_imported_number_must_be_free_and_well_formed(org, number):
    services.requirement_create(
        actor=org["users"]["mkt_staff"],
        data=requirement_data(org),
        departments=[org["departments"]["PRD"]],
        number="2024-MKT-001",
    )
    before = written_rows()
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_create(
            actor=org["users"]["mkt_staff"],
            data=requirement_data(org),
            departments=[org["departments"]["PRD"]],
            number=number,
        )
    assert "number" in excinfo.value.message_dict
    assert written_rows() == before


# Review, sign-offs and confirm ----------------------------------------------------------


def test_review_slots_are_coordinator_initiating_head_and_internal_heads(org):
    requirement = make_requirement(org, departments=("PRD", "DSN", "CHA", "MKT"))
    slots = review_slots(requirement)
    labels = [slot.label for slot in slots]
    assert labels == ["协作协调人", "市场部负责人", "设计部负责人", "产品部负责人"]
    users = org["users"]
    assert [slot.signers for slot in slots] == [
        [users["director"]],
        [users["mkt_head"]],
        [users["dsn_head"]],
        [users["prd_head"]],
    ]


def test_confirm_needs_every_approving_signoff(org):
    requirement = make_requirement(org)
    director = org["users"]["director"]
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_confirm(requirement=requirement, actor=director)
    reasons = blocked_reasons(excinfo)
    for label in ("协作协调人", "市场部负责人", "产品部负责人", "销售部负责人"):
        assert f"等待 {label} 签字" in reasons
    assert "渠道商A公司" not in reasons  # partners do not sign the internal review

    sign_all(org, requirement, except_codes=("SAL",))
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_confirm(requirement=requirement, actor=director)
    assert blocked_reasons(excinfo) == "等待 销售部负责人 签字"
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW

    services.requirement_sign(
        requirement=requirement,
        actor=org["users"]["sal_head"],
        decision="approve",
        department=org["departments"]["SAL"],
    )
    confirmed = services.requirement_confirm(requirement=requirement, actor=director)
    assert confirmed.status == RequirementStatus.CONFIRMED
    record = confirmed.history.order_by("-history_id").first()
    assert record.history_user == director
    assert record.history_change_reason == "评审通过，确认需求"


def test_initiating_department_head_must_sign(org):
    requirement = make_requirement(org)
    sign_all(org, requirement, except_codes=("MKT",))
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_confirm(requirement=requirement, actor=org["users"]["director"])
    assert blocked_reasons(excinfo) == "等待 市场部负责人 签字"


def test_a_rejecting_signoff_of_the_current_round_blocks_confirm(org):
    requirement = make_requirement(org)
    sign_all(org, requirement)
    prd = org["departments"]["PRD"]
    services.requirement_sign(
        requirement=requirement,
        actor=org["users"]["prd_head"],
        decision="reject",
        comment="资源不足",
        department=prd,
    )
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_confirm(requirement=requirement, actor=org["users"]["director"])
    assert blocked_reasons(excinfo) == "产品部负责人 不同意"
    # A changed mind is a new row; the latest signature of the slot counts.
    services.requirement_sign(
        requirement=requirement, actor=org["users"]["prd_head"], decision="approve", department=prd
    )
    assert SignOff.objects.filter(department=prd).count() == 3
    services.requirement_confirm(requirement=requirement, actor=org["users"]["director"])


def test_only_the_coordinator_confirms(org):
    requirement = make_requirement(org)
    sign_all(org, requirement)
    for username in ("mkt_head", "mkt_staff", "prd_head"):
        with pytest.raises(PermissionDenied):
            services.requirement_confirm(requirement=requirement, actor=org["users"][username])
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW


def test_reject_needs_a_reason_and_the_coordinator(org):
    requirement = make_requirement(org)
    director = org["users"]["director"]
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_reject(requirement=requirement, actor=director, reason="  ")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        services.requirement_reject(
            requirement=requirement, actor=org["users"]["mkt_head"], reason="不合理"
        )
    rejected = services.requirement_reject(
        requirement=requirement, actor=director, reason="目标不可衡量"
    )
    assert rejected.status == RequirementStatus.REJECTED
    assert rejected.rejection_reason == "目标不可衡量"
    assert rejected.history.order_by("-history_id").first().history_change_reason == "目标不可衡量"


def test_resubmit_starts_a_new_round(org):
    requirement = make_requirement(org)
    director = org["users"]["director"]
    sign_all(org, requirement)
    services.requirement_reject(requirement=requirement, actor=director, reason="预算不清")
    with pytest.raises(ValidationError):  # no signing while rejected
        services.requirement_sign(requirement=requirement, actor=director, decision="approve")
    with pytest.raises(PermissionDenied):
        services.requirement_resubmit(requirement=requirement, actor=org["users"]["prd_head"])
    services.requirement_update(
        requirement=requirement,
        actor=org["users"]["mkt_staff"],
        data={"resources": "预算20万元，明细见附件"},
    )
    again = services.requirement_resubmit(requirement=requirement, actor=org["users"]["mkt_staff"])
    assert again.status == RequirementStatus.PENDING_REVIEW
    assert again.review_round == 2
    assert again.rejection_reason == ""
    # The first round's approvals no longer count.
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_confirm(requirement=again, actor=director)
    assert "等待 协作协调人 签字" in blocked_reasons(excinfo)
    sign_all(org, again)
    assert SignOff.objects.filter(round=2).count() == 4
    services.requirement_confirm(requirement=again, actor=director)


def test_signoffs_are_immutable(org):
    requirement = make_requirement(org)
    signoff = services.requirement_sign(
        requirement=requirement, actor=org["users"]["director"], decision="approve"
    )
    signoff.comment = "改主意"
    with pytest.raises(ValueError, match="immutable"):
        signoff.save()
    signoff.refresh_from_db()
    assert signoff.comment == ""


@pytest.mark.parametrize(
    ("username", "department"),
    [
        ("prd_liaison", "PRD"),  # a member of the department, not its head
        ("mkt_head", "PRD"),  # the head of another department
        ("mkt_head", None),  # only the coordinator signs the coordinator slot
        ("other_coordinator", None),  # a coordinator, but not this requirement's
    ],
)
def test_only_the_right_head_or_coordinator_signs(org, username, department):
    UserFactory(username="other_coordinator", is_coordinator=True)
    requirement = make_requirement(org)
    from collab.accounts.models import User

    actor = User.objects.get(username=username)
    with pytest.raises(PermissionDenied):
        services.requirement_sign(
            requirement=requirement,
            actor=actor,
            decision="approve",
            department=org["departments"][department] if department else None,
        )
    assert not SignOff.objects.exists()


def test_sign_checks_decision_comment_and_slot(org):
    requirement = make_requirement(org)
    users, departments = org["users"], org["departments"]
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_sign(requirement=requirement, actor=users["director"], decision="ok")
    assert "decision" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_sign(
            requirement=requirement,
            actor=users["prd_head"],
            decision="reject",
            department=departments["PRD"],
        )
    assert "comment" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:  # TEC is not involved
        services.requirement_sign(
            requirement=requirement,
            actor=users["tec_head"],
            decision="approve",
            department=departments["TEC"],
        )
    assert "department" in excinfo.value.message_dict
    assert not SignOff.objects.exists()


def test_editing_after_signatures_starts_a_new_round(org):
    requirement = make_requirement(org)
    sign_all(org, requirement)
    staff = org["users"]["mkt_staff"]
    # Saving unchanged content keeps the signatures.
    services.requirement_update(
        requirement=requirement, actor=staff, data={"topic": "新品上市推广"}
    )
    requirement.refresh_from_db()
    assert requirement.review_round == 1
    services.requirement_update(
        requirement=requirement, actor=staff, data={"goal": "销售额600万元"}
    )
    requirement.refresh_from_db()
    assert requirement.review_round == 2
    with pytest.raises(TransitionBlocked):
        services.requirement_confirm(requirement=requirement, actor=org["users"]["director"])


# Editing --------------------------------------------------------------------------------


def test_edit_permissions_follow_status(org):
    requirement = make_requirement(org)
    users = org["users"]
    with pytest.raises(PermissionDenied):
        services.requirement_update(
            requirement=requirement, actor=users["prd_head"], data={"topic": "改"}
        )
    services.requirement_update(
        requirement=requirement, actor=users["mkt_staff"], data={"topic": "改后的主题"}
    )
    confirm_requirement(org, requirement)
    with pytest.raises(PermissionDenied):
        services.requirement_update(
            requirement=requirement, actor=users["mkt_staff"], data={"topic": "再改"}
        )
    updated = services.requirement_update(
        requirement=requirement,
        actor=users["director"],
        data={"remarks": "协调人补充"},
        departments=[org["departments"]["PRD"], org["departments"]["DSN"]],
        reason="补充设计部",
    )
    assert updated.remarks == "协调人补充"
    assert {d.code for d in updated.departments.all()} == {"PRD", "DSN"}
    assert updated.history.order_by("-history_id").first().history_change_reason == "补充设计部"


def test_invalid_edit_writes_nothing(org):
    requirement = make_requirement(org)
    before = (Requirement.history.count(), requirement.topic)
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_update(
            requirement=requirement,
            actor=org["users"]["mkt_staff"],
            data={"topic": "新主题", "end_date": datetime.date(2020, 1, 1)},
        )
    assert "end_date" in excinfo.value.message_dict
    requirement.refresh_from_db()
    assert (Requirement.history.count(), requirement.topic) == before
    with pytest.raises(ValidationError) as excinfo:
        services.requirement_update(
            requirement=requirement, actor=org["users"]["mkt_staff"], data={}, departments=[]
        )
    assert "departments" in excinfo.value.message_dict
    assert requirement.departments.count() == 3


# Start and complete ---------------------------------------------------------------------


def test_start_needs_a_leader_and_one_liaison_per_department(org, foundation_conditions):
    requirement = make_requirement(org)
    confirm_requirement(org, requirement)
    director, users = org["users"]["director"], org["users"]
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_start(requirement=requirement, actor=director)
    reasons = blocked_reasons(excinfo)
    assert "尚未指定协作小组组长" in reasons
    assert "以下部门尚无接口人：渠道商A公司、产品部、销售部" in reasons

    services.group_add_member(
        requirement=requirement, actor=director, user=users["mkt_head"], role="leader"
    )
    services.group_add_member(
        requirement=requirement, actor=director, user=users["prd_liaison"], role="liaison"
    )
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_start(requirement=requirement, actor=director)
    assert blocked_reasons(excinfo) == "以下部门尚无接口人：渠道商A公司、销售部"

    form_group(org, requirement)
    with pytest.raises(PermissionDenied):  # neither leader nor coordinator
        services.requirement_start(requirement=requirement, actor=users["prd_head"])
    started = services.requirement_start(requirement=requirement, actor=users["mkt_head"])
    assert started.status == RequirementStatus.IN_PROGRESS


def test_start_is_illegal_before_confirm(org):
    requirement = form_group(org, make_requirement(org))
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_start(requirement=requirement, actor=org["users"]["director"])
    assert blocked_reasons(excinfo) == "当前状态“待评审”下不能执行该操作"


def test_complete_waits_for_acceptance(org, foundation_conditions):
    requirement = make_requirement(org)
    confirm_requirement(org, requirement)
    form_group(org, requirement)
    services.requirement_start(requirement=requirement, actor=org["users"]["director"])
    # With every register installed (acceptance lives in reviews_app): nothing was
    # accepted, so nothing completes.
    with pytest.raises(TransitionBlocked) as excinfo:
        services.requirement_complete(requirement=requirement, actor=org["users"]["director"])
    assert "尚未通过成果验收" in blocked_reasons(excinfo)
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.IN_PROGRESS


# Collaboration group --------------------------------------------------------------------


def test_one_liaison_per_department_is_a_database_constraint(org):
    requirement = make_requirement(org)
    prd = org["departments"]["PRD"]
    GroupMember.objects.create(
        requirement=requirement, user=org["users"]["prd_liaison"], department=prd, role="liaison"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMember.objects.create(
            requirement=requirement, user=org["users"]["prd_head"], department=prd, role="liaison"
        )
    # Other roles of the same department are fine.
    GroupMember.objects.create(
        requirement=requirement, user=org["users"]["prd_head"], department=prd, role="member"
    )


def test_one_leader_per_group_is_a_database_constraint(org):
    requirement = make_requirement(org)
    GroupMember.objects.create(
        requirement=requirement,
        user=org["users"]["mkt_head"],
        department=org["departments"]["MKT"],
        role="leader",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMember.objects.create(
            requirement=requirement,
            user=org["users"]["prd_head"],
            department=org["departments"]["PRD"],
            role="leader",
        )


def test_group_add_member_replaces_the_liaison_and_the_leader(org):
    requirement = make_requirement(org)
    director, users = org["users"]["director"], org["users"]
    services.group_add_member(
        requirement=requirement, actor=director, user=users["prd_liaison"], role="liaison"
    )
    services.group_add_member(
        requirement=requirement, actor=director, user=users["prd_head"], role="liaison"
    )
    liaisons = requirement.members.filter(role=GroupRole.LIAISON)
    assert [(m.user.username, m.department.code) for m in liaisons] == [("prd_head", "PRD")]
    services.group_add_member(
        requirement=requirement, actor=director, user=users["mkt_head"], role="leader"
    )
    services.group_add_member(
        requirement=requirement, actor=director, user=users["sal_head"], role="leader"
    )
    assert [m.user.username for m in requirement.members.filter(role="leader")] == ["sal_head"]


@pytest.mark.parametrize(
    ("username", "role", "department", "field"),
    [
        ("cha_contact", "member", None, "role"),  # partners are liaison or partner
        ("prd_liaison", "partner", None, "role"),  # internal users are not partners
        ("prd_liaison", "liaison", "SAL", "department"),  # only for their own department
        ("tec_staff", "invalid", None, "role"),
    ],
)
def test_group_add_member_validates(org, username, role, department, field):
    requirement = make_requirement(org)
    with pytest.raises(ValidationError) as excinfo:
        services.group_add_member(
            requirement=requirement,
            actor=org["users"]["director"],
            user=org["users"][username],
            role=role,
            department=org["departments"][department] if department else None,
        )
    assert field in excinfo.value.message_dict
    assert not GroupMember.objects.exists()


def test_partner_not_involved_cannot_join(org):
    requirement = make_requirement(org, departments=("PRD",))
    with pytest.raises(ValidationError) as excinfo:
        services.group_add_member(
            requirement=requirement,
            actor=org["users"]["director"],
            user=org["users"]["cha_contact"],
            role="liaison",
        )
    assert excinfo.value.message_dict["department"] == ["该外部合作伙伴未参与本需求"]


def test_only_the_coordinator_manages_the_group(org):
    requirement = make_requirement(org)
    users = org["users"]
    with pytest.raises(PermissionDenied):
        services.group_add_member(
            requirement=requirement,
            actor=users["mkt_head"],
            user=users["prd_liaison"],
            role="member",
        )
    member = services.group_add_member(
        requirement=requirement, actor=users["director"], user=users["prd_liaison"], role="member"
    )
    with pytest.raises(PermissionDenied):
        services.group_remove_member(member=member, actor=users["mkt_staff"])
    services.group_remove_member(member=member, actor=users["director"])
    assert not requirement.members.exists()
    # Removals are in the history, with who removed.
    assert GroupMember.history.filter(history_type="-").get().history_user == users["director"]
