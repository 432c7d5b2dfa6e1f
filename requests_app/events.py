"""Events of the requirement register, the roles of a requirement's people, and the
review sign-offs of the workbench. Registered with the platform from
RequestsAppConfig.ready(); every notice goes through `collab.notifications.events`."""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department
from collab.notifications.events import EventType, Role, notify_event
from collab.notifications.models import AlertKind
from collab.notifications.todos import Todo, todo_source
from collab.signoffs.models import SignOff
from collab.signoffs.services import sign_action, signers_waiting, slots_waiting_for

from .models import REVIEW_STAGE, GroupRole, Requirement, RequirementStatus
from .selectors import group_leader, group_members, requirements_visible_to


class RequirementEvent(models.TextChoices):
    FILED = "requirement_filed", _("新需求待评审")
    SIGN_REQUESTED = "review_sign_requested", _("需求评审待签字")
    SIGNED = "review_signed", _("需求评审已签字")
    SIGN_REJECTED = "review_sign_rejected", _("需求评审不同意")
    CONFIRMED = "requirement_confirmed", _("需求已确认")
    REJECTED = "requirement_rejected", _("需求已驳回")
    STARTED = "requirement_started", _("需求开始执行")
    COMPLETED = "requirement_completed", _("需求已完成")
    MEMBER_ADDED = "member_added", _("加入协作小组")


def _leader(ctx):
    member = group_leader(ctx.requirement) if ctx.requirement is not None else None
    return [member.user] if member else []


def _group(ctx):
    return [m.user for m in group_members(ctx.requirement)] if ctx.requirement else []


def _liaison(ctx):
    department = ctx.get("department")
    if ctx.requirement is None or department is None:
        return []
    return [
        m.user
        for m in group_members(ctx.requirement)
        if m.role == GroupRole.LIAISON and m.department_id == department.pk
    ]


ROLES = [
    Role("coordinator", _("协调人"), lambda ctx: [ctx.requirement.coordinator], order=10),
    Role("initiator", _("发起人"), lambda ctx: [ctx.requirement.contact], order=20),
    Role("leader", _("组长"), _leader, order=30),
    Role("group", _("小组成员"), _group, order=35),
    Role("liaison", _("部门接口人"), _liaison, order=55),
]

_WHOLE = ("initiator", "leader", "group")
EVENT_TYPES = [
    EventType(
        RequirementEvent.FILED,
        RequirementEvent.FILED.label,
        _("%(actor)s 提交了需求 %(number)s「%(topic)s」，请评审签字"),
        roles=("coordinator", "signers"),
        action_roles=("signers",),
    ),
    EventType(
        RequirementEvent.SIGN_REQUESTED,
        RequirementEvent.SIGN_REQUESTED.label,
        _("需求 %(number)s「%(topic)s」进入第 %(round)s 轮评审，请签字"),
        roles=("signers",),
        action_roles=("signers",),
    ),
    EventType(
        RequirementEvent.SIGNED,
        RequirementEvent.SIGNED.label,
        _("%(actor)s（%(slot)s）同意了需求 %(number)s「%(topic)s」"),
        roles=("initiator", "coordinator"),
    ),
    EventType(
        RequirementEvent.SIGN_REJECTED,
        RequirementEvent.SIGN_REJECTED.label,
        _("%(actor)s（%(slot)s）不同意需求 %(number)s「%(topic)s」：%(comment)s"),
        roles=("initiator", "coordinator"),
    ),
    EventType(
        RequirementEvent.CONFIRMED,
        RequirementEvent.CONFIRMED.label,
        _("需求 %(number)s「%(topic)s」评审通过，已确认"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        RequirementEvent.REJECTED,
        RequirementEvent.REJECTED.label,
        _("需求 %(number)s「%(topic)s」已被驳回：%(reason)s"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        RequirementEvent.STARTED,
        RequirementEvent.STARTED.label,
        _("需求 %(number)s「%(topic)s」开始执行"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        RequirementEvent.COMPLETED,
        RequirementEvent.COMPLETED.label,
        _("需求 %(number)s「%(topic)s」已完成，协作小组已解散（仍可查看）"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        RequirementEvent.MEMBER_ADDED,
        RequirementEvent.MEMBER_ADDED.label,
        _("您已加入需求 %(number)s「%(topic)s」的协作小组，担任%(role)s"),
        roles=("person",),
    ),
    EventType(
        AlertKind.REVIEW_STALE,
        AlertKind.REVIEW_STALE.label,
        _(
            "需求 %(number)s「%(topic)s」自 %(since)s 起待评审已超过 %(days)s 天，"
            "请尽快组织需求评审会"
        ),
        roles=("coordinator",),
        watchers=False,
        reminder=True,
    ),
]


def requirement_url(requirement: Requirement) -> str:
    return reverse("requirements:detail", args=[requirement.pk])


def notify(kind: str, requirement: Requirement, *, actor, **context):
    """An event of the requirement itself, linking to its page."""
    context.setdefault("url", requirement_url(requirement))
    return notify_event(kind, target=requirement, requirement=requirement, actor=actor, **context)


def notify_review_requested(requirement: Requirement, *, actor, kind: str) -> None:
    """Filing or a new review round: everyone who must sign is asked to."""
    notify(
        kind,
        requirement,
        actor=actor,
        signers=signers_waiting(requirement, REVIEW_STAGE),
        action=sign_action(requirement, REVIEW_STAGE),
        params={"round": requirement.review_round},
    )


@todo_source("review_signoff", _("需求评审签字"), order=10)
def review_signoffs_waiting(user, today):
    """Reviews where the user holds a slot not approved in the current round."""
    requirements = (
        requirements_visible_to(user)
        .filter(status=RequirementStatus.PENDING_REVIEW)
        .filter(
            Q(coordinator=user)
            | Q(initiating_department__head=user)
            | Q(departments__head=user, departments__kind=Department.Kind.INTERNAL)
        )
        .distinct()
        .select_related("coordinator", "initiating_department__head")
        .prefetch_related(
            Prefetch("departments", queryset=Department.objects.select_related("head")),
            Prefetch("signoffs", queryset=SignOff.objects.filter(stage=REVIEW_STAGE)),
        )
        .order_by("created_at", "id")
    )
    for requirement in requirements:
        slots = slots_waiting_for(requirement, REVIEW_STAGE, user)
        if slots:
            yield Todo(
                action=sign_action(requirement, REVIEW_STAGE),
                kind="review_signoff",
                kind_label=_("需求评审"),
                title=f"{requirement.number} {requirement.topic}",
                url=requirement_url(requirement) + "#signoffs",
                detail="、".join(str(slot.label) for slot in slots),
            )
