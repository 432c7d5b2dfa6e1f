"""Use cases of the requirement register (template 1). Pages, API, admin and
importers all write through these functions."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.accounts.models import Department, User
from collab.core.history import one_entry
from collab.core.transitions import run_transition
from collab.notifications.messages import translatable
from collab.notifications.services import watch_start, watch_stop
from collab.signoffs.models import SignOff
from collab.signoffs.services import signoff_sign, signoffs_for

from . import events
from . import rules as perms
from .lifecycle import LIFECYCLE
from .models import (
    REVIEW_STAGE,
    GroupMember,
    GroupRole,
    NumberSequence,
    Requirement,
    RequirementStatus,
)

EDITABLE_FIELDS = (
    "initiating_department",
    "contact_info",
    "topic",
    "goal",
    "expected_outcomes",
    "start_date",
    "end_date",
    "resources",
    "priority",
    "remarks",
    "coordinator",
)
NUMBER_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<code>[A-Z0-9]{2,16})-(?P<seq>\d{3,})$")


# Numbers
def next_number(*, department: Department, year: int) -> str:
    """Next `YYYY-CODE-NNN`; the sequence row is locked, so parallel filings never collide."""
    NumberSequence.objects.bulk_create(
        [NumberSequence(year=year, department=department)], ignore_conflicts=True
    )
    sequence = NumberSequence.objects.select_for_update().get(year=year, department=department)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{year}-{department.code}-{sequence.last_value:03d}"


def reserve_number(number: str, *, department: Department) -> None:
    """Keep an imported historical number and make sure it is never handed out again."""
    match = NUMBER_PATTERN.match(number)
    if not match or match["code"] != department.code:
        raise ValidationError(
            {"number": _("需求编号应为 年份-发起部门代码-三位序号，例如 2024-MKT-001")}
        )
    if Requirement.objects.filter(number=number).exists():
        raise ValidationError({"number": _("需求编号 %(number)s 已存在") % {"number": number}})
    year, value = int(match["year"]), int(match["seq"])
    NumberSequence.objects.bulk_create(
        [NumberSequence(year=year, department=department)], ignore_conflicts=True
    )
    sequence = NumberSequence.objects.select_for_update().get(year=year, department=department)
    if value > sequence.last_value:
        sequence.last_value = value
        sequence.save(update_fields=["last_value"])


# Register writes
TEXT_FIELDS = ("contact_info", "topic", "goal", "expected_outcomes", "resources", "remarks")


def _validate(requirement: Requirement, departments) -> None:
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:  # "   " is no topic: every channel trims like the forms do
        value = getattr(requirement, name)
        if isinstance(value, str):
            setattr(requirement, name, value.strip())
    try:
        # The coordinator is checked below with a clearer message than limit_choices_to's.
        requirement.full_clean(exclude=["number", "status", "coordinator"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not requirement.coordinator_id:
        errors.setdefault("coordinator", []).append(_("请选择协作协调人"))
    if not departments:
        errors.setdefault("departments", []).append(_("请至少选择一个涉及部门"))
    start, end = requirement.start_date, requirement.end_date
    if start and end and end < start:
        errors.setdefault("end_date", []).append(_("结束日期不能早于开始日期"))
    coordinator = getattr(requirement, "coordinator", None) if requirement.coordinator_id else None
    if coordinator is not None and not (coordinator.is_coordinator and coordinator.is_active):
        errors.setdefault("coordinator", []).append(_("所选用户不是协作协调人"))
    if (
        requirement.initiating_department_id
        and requirement.initiating_department.kind != Department.Kind.INTERNAL
    ):
        errors.setdefault("initiating_department", []).append(_("发起部门必须是内部部门"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def requirement_create(
    *, actor: User, data: dict, departments, number: str | None = None, filed_on: date | None = None
) -> Requirement:
    """File a requirement (status 待评审). `number` keeps an imported historical number."""
    if actor.is_partner:
        raise PermissionDenied(_("外部合作伙伴不能发起协作需求"))
    fields = {key: value for key, value in data.items() if key in EDITABLE_FIELDS}
    fields.setdefault("initiating_department", actor.department)
    requirement = Requirement(contact=data.get("contact") or actor, **fields)
    if not requirement.contact_info:
        requirement.contact_info = requirement.contact.phone or requirement.contact.email
    departments = list(departments or [])
    _validate(requirement, departments)
    if number:
        reserve_number(number, department=requirement.initiating_department)
        requirement.number = number
    else:
        year = (filed_on or timezone.localdate()).year
        requirement.number = next_number(department=requirement.initiating_department, year=year)
    try:
        with transaction.atomic(), one_entry(requirement, actor=actor, reason=_("发起需求")):
            requirement.save()
            requirement.departments.set(departments)
    except IntegrityError as error:
        raise ValidationError(_("保存失败：数据冲突，请检查后重试")) from error
    # The initiator watches their requirement by default (they may stop watching).
    watch_start(requirement=requirement, user=requirement.contact)
    events.notify_review_requested(requirement, actor=actor, kind=events.RequirementEvent.FILED)
    return requirement


@transaction.atomic
def requirement_update(
    *, requirement: Requirement, actor: User, data: dict, departments=None, reason: str = ""
) -> Requirement:
    """Edit the register fields. Changing a requirement under review after someone signed
    starts a new sign-off round: signatures apply to the content they saw."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    if not perms.can_edit(actor, requirement):
        raise PermissionDenied(_("当前状态下您不能修改该需求"))
    changed = False
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            changed |= getattr(requirement, key) != value
            setattr(requirement, key, value)
    current_departments = set(requirement.departments.all())
    departments = list(current_departments if departments is None else departments)
    changed |= set(departments) != current_departments
    _validate(requirement, departments)
    reason = reason or _("修改需求")
    new_round = (
        changed
        and requirement.status == RequirementStatus.PENDING_REVIEW
        and signoffs_for(requirement, REVIEW_STAGE, requirement.review_round).exists()
    )
    if new_round:
        requirement.review_round += 1
        reason = _("%(reason)s（内容变更，重新签字）") % {"reason": reason}
    with one_entry(requirement, actor=actor, reason=reason):
        requirement.save()
        if set(departments) != current_departments:
            requirement.departments.set(departments)
    if new_round:
        events.notify_review_requested(
            requirement, actor=actor, kind=events.RequirementEvent.SIGN_REQUESTED
        )
    return requirement


def _transition(requirement: Requirement, name: str, *, actor: User, reason: str = "", **kwargs):
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    run_transition(requirement, name, actor=actor, reason=reason, **kwargs)
    requirement.save()
    return requirement


@transaction.atomic
def requirement_confirm(*, requirement: Requirement, actor: User, reason: str = "") -> Requirement:
    requirement = _transition(
        requirement, "confirm", actor=actor, reason=reason or _("评审通过，确认需求")
    )
    events.notify(events.RequirementEvent.CONFIRMED, requirement, actor=actor)
    return requirement


@transaction.atomic
def requirement_reject(*, requirement: Requirement, actor: User, reason: str = "") -> Requirement:
    if not reason.strip():
        raise ValidationError({"reason": _("驳回需求时必须填写原因")})
    requirement = _transition(requirement, "reject", actor=actor, reason=reason, reason_text=reason)
    events.notify(
        events.RequirementEvent.REJECTED,
        requirement,
        actor=actor,
        params={"reason": reason.strip()},
    )
    return requirement


@transaction.atomic
def requirement_resubmit(*, requirement: Requirement, actor: User, reason: str = "") -> Requirement:
    requirement = _transition(
        requirement, "resubmit", actor=actor, reason=reason or _("修改后重新提交")
    )
    events.notify_review_requested(
        requirement, actor=actor, kind=events.RequirementEvent.SIGN_REQUESTED
    )
    return requirement


@transaction.atomic
def requirement_start(*, requirement: Requirement, actor: User, reason: str = "") -> Requirement:
    requirement = _transition(requirement, "start", actor=actor, reason=reason or _("开始执行"))
    # Steps the later registers add to the start (tasks_app: the plan's baseline).
    LIFECYCLE.run_followups("start", requirement, actor=actor)
    events.notify(events.RequirementEvent.STARTED, requirement, actor=actor)
    return requirement


@transaction.atomic
def requirement_complete(*, requirement: Requirement, actor: User, reason: str = "") -> Requirement:
    requirement = _transition(requirement, "complete", actor=actor, reason=reason or _("协作完成"))
    # Steps the later registers add to completion (reviews_app: the group is dissolved).
    LIFECYCLE.run_followups("complete", requirement, actor=actor)
    events.notify(events.RequirementEvent.COMPLETED, requirement, actor=actor)
    return requirement


TRANSITION_SERVICES = {
    "confirm": requirement_confirm,
    "reject": requirement_reject,
    "resubmit": requirement_resubmit,
    "start": requirement_start,
    "complete": requirement_complete,
}


@transaction.atomic
def requirement_sign(
    *,
    requirement: Requirement,
    actor: User,
    decision: str,
    comment: str = "",
    department: Department | None = None,
):
    """Sign the requirement review as a department head (or as the coordinator)."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    signoff = signoff_sign(
        target=requirement,
        stage=REVIEW_STAGE,
        actor=actor,
        decision=decision,
        comment=comment,
        department=department,
    )
    approved = signoff.decision == SignOff.Decision.APPROVE
    events.notify(
        events.RequirementEvent.SIGNED if approved else events.RequirementEvent.SIGN_REJECTED,
        requirement,
        actor=actor,
        params={
            "slot": translatable(gettext_lazy("%(dept)s负责人"), dept=department.name)
            if department is not None
            else translatable(gettext_lazy("协作协调人")),
            "comment": signoff.comment,
        },
    )
    return signoff


# Collaboration group
@transaction.atomic
def group_add_member(
    *,
    requirement: Requirement,
    actor: User,
    user: User,
    role: str,
    department: Department | None = None,
) -> GroupMember:
    """Add a member; a leader replaces the previous leader, a liaison the previous one."""
    if not perms.can_manage_group(actor, requirement):
        raise PermissionDenied(_("只有协作协调人可以组建协作小组"))
    department = department or user.department
    errors = {}
    if role not in GroupRole.values:
        errors["role"] = _("未知角色")
    if department is None:
        errors["department"] = _("该成员没有所属部门")
    elif user.department_id != department.pk:
        errors["department"] = _("成员只能代表自己所属的部门")
    elif department.kind == Department.Kind.PARTNER:
        if department not in requirement.departments.all():
            errors["department"] = _("该外部合作伙伴未参与本需求")
        elif role not in (GroupRole.PARTNER, GroupRole.LIAISON):
            errors["role"] = _("外部合作伙伴只能担任接口人或外部伙伴")
    elif role == GroupRole.PARTNER:
        errors["role"] = _("内部成员不能担任外部伙伴角色")
    if errors:
        raise ValidationError(errors)
    if role in (GroupRole.LEADER, GroupRole.LIAISON):
        replaced = requirement.members.filter(role=role)
        if role == GroupRole.LIAISON:
            replaced = replaced.filter(department=department)
        for old in replaced:
            old._history_user = actor
            old.delete()
    member, created = GroupMember.objects.get_or_create(
        requirement=requirement, user=user, role=role, defaults={"department": department}
    )
    if role == GroupRole.LEADER:
        # The leader watches the requirement by default (they may stop watching).
        watch_start(requirement=requirement, user=user)
    if created:
        events.notify(
            events.RequirementEvent.MEMBER_ADDED,
            requirement,
            actor=actor,
            people=[user],
            params={"role": translatable(GroupRole(role).label)},
        )
    return member


@transaction.atomic
def group_remove_member(*, member: GroupMember, actor: User) -> None:
    if not perms.can_manage_group(actor, member.requirement):
        raise PermissionDenied(_("只有协作协调人可以调整协作小组"))
    member._history_user = actor
    member.delete()


# Watching (关注): told of every event of the requirement
@transaction.atomic
def requirement_watch(*, requirement: Requirement, actor: User) -> bool:
    """Anyone who may see the requirement may watch it; returns whether it is new."""
    if not perms.can_view(actor, requirement):
        raise PermissionDenied(_("您不能查看该需求"))
    return watch_start(requirement=requirement, user=actor)


@transaction.atomic
def requirement_unwatch(*, requirement: Requirement, actor: User) -> bool:
    return watch_stop(requirement=requirement, user=actor)
