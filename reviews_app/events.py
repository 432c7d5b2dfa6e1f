"""Events of acceptance and retrospective, the role of every department head, and the
acceptance sign-offs, retrospectives to confirm and improvement actions of the
workbench. Registered from ReviewsAppConfig.ready()."""

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
from requests_app.models import GroupRole

from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceStatus,
    ActionStatus,
    ImprovementAction,
    Retrospective,
    RetrospectiveStatus,
)
from .retrospective.selectors import share_recipients
from .shared import acceptance_url, report_url, retrospective_url


class ReviewEvent(models.TextChoices):
    SIGN_REQUESTED = "acceptance_signoff", _("成果验收待签字")
    PASSED = "acceptance_passed", _("成果验收通过")
    FAILED = "acceptance_failed", _("成果验收未通过")
    RETROSPECTIVE_DUE = "retrospective_due", _("待复盘")
    RETROSPECTIVE_SHARED = "retrospective_shared", _("复盘报告已发布")
    IMPROVEMENT_ASSIGNED = "improvement_assigned", _("改进措施分派")
    IMPROVEMENT_DUE = "improvement_due", _("改进措施到期提醒")


ROLES = [
    Role("all_heads", _("各部门负责人"), lambda ctx: share_recipients(), order=45),
]

_WHOLE = ("initiator", "leader", "group")
EVENT_TYPES = [
    EventType(
        ReviewEvent.SIGN_REQUESTED,
        ReviewEvent.SIGN_REQUESTED.label,
        _("%(number)s「%(topic)s」成果验收等待您签字"),
        roles=("signers",),
        action_roles=("signers",),
    ),
    EventType(
        ReviewEvent.PASSED,
        ReviewEvent.PASSED.label,
        _("%(number)s「%(topic)s」已通过成果验收"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        ReviewEvent.FAILED,
        ReviewEvent.FAILED.label,
        _("%(number)s 成果验收未通过：%(reason)s"),
        roles=_WHOLE,
        group=True,
    ),
    EventType(
        ReviewEvent.RETROSPECTIVE_DUE,
        ReviewEvent.RETROSPECTIVE_DUE.label,
        _("%(number)s 已通过验收，请在 %(due)s 前完成复盘"),
        roles=("leader", "coordinator"),
        action_roles=("leader",),
    ),
    EventType(
        ReviewEvent.RETROSPECTIVE_SHARED,
        ReviewEvent.RETROSPECTIVE_SHARED.label,
        _("复盘报告已发布：%(number)s %(topic)s"),
        roles=("all_heads",),
    ),
    EventType(
        ReviewEvent.IMPROVEMENT_ASSIGNED,
        ReviewEvent.IMPROVEMENT_ASSIGNED.label,
        _("%(number)s 复盘的改进措施交给您：%(text)s，完成期限 %(due)s"),
        roles=("owner",),
        action_roles=("owner",),
    ),
    EventType(
        ReviewEvent.IMPROVEMENT_DUE,
        ReviewEvent.IMPROVEMENT_DUE.label,
        _("%(number)s 复盘的改进措施「%(text)s」将于 %(due)s 到期"),
        roles=("owner",),
        action_roles=("owner",),
        watchers=False,
        reminder=True,
    ),
    EventType(
        AlertKind.RETRO_OVERDUE,
        AlertKind.RETRO_OVERDUE.label,
        _("需求 %(number)s「%(topic)s」验收后应于 %(due)s 前完成复盘并确认，目前仍未确认"),
        roles=("leader",),
        action_roles=("leader",),
        watchers=False,
        reminder=True,
    ),
]
# Kinds no longer sent, for the rows already in inboxes.
OLD_KIND_LABELS = {"group_dissolved": _("协作小组解散")}


def retrospective_action(retrospective: Retrospective) -> str:
    return f"retro:{retrospective.pk}"


def improvement_action(improvement: ImprovementAction) -> str:
    return f"improvement:{improvement.pk}"


def notify_acceptance(kind: str, acceptance: Acceptance, *, actor, **context):
    requirement = acceptance.requirement
    return notify_event(
        kind,
        target=acceptance,
        requirement=requirement,
        actor=actor,
        url=acceptance_url(requirement.pk),
        action=sign_action(acceptance, ACCEPTANCE_STAGE),
        signers=signers_waiting(acceptance, ACCEPTANCE_STAGE),
        **context,
    )


def notify_retrospective(kind: str, retrospective: Retrospective, *, actor, **context):
    requirement = retrospective.requirement
    shared = kind == ReviewEvent.RETROSPECTIVE_SHARED
    return notify_event(
        kind,
        target=retrospective,
        requirement=requirement,
        actor=actor,
        url=report_url(requirement.pk) if shared else retrospective_url(requirement.pk),
        params={"due": str(retrospective.due_on)},
        action=retrospective_action(retrospective),
        **context,
    )


def notify_improvement(improvement: ImprovementAction, *, actor):
    requirement = improvement.retrospective.requirement
    return notify_event(
        ReviewEvent.IMPROVEMENT_ASSIGNED,
        target=improvement,
        requirement=requirement,
        actor=actor,
        url=reverse("reviews:improvements"),
        params={"text": improvement.action, "due": str(improvement.due_date)},
        action=improvement_action(improvement),
        owner=improvement.owner,
    )


@todo_source("acceptance_signoff", _("验收签字"), order=12)
def acceptance_signoffs_waiting(user, today):
    acceptances = (
        Acceptance.objects.filter(status=AcceptanceStatus.SIGNING)
        .filter(Q(requirement__initiating_department__head=user) | Q(departments__head=user))
        .distinct()
        .select_related("requirement__initiating_department__head")
        .prefetch_related(
            Prefetch("departments", queryset=Department.objects.select_related("head")),
            Prefetch("signoffs", queryset=SignOff.objects.filter(stage=ACCEPTANCE_STAGE)),
        )
        .order_by("created_at", "id")
    )
    for acceptance in acceptances:
        slots = slots_waiting_for(acceptance, ACCEPTANCE_STAGE, user)
        if slots:
            requirement = acceptance.requirement
            yield Todo(
                action=sign_action(acceptance, ACCEPTANCE_STAGE),
                kind="acceptance_signoff",
                kind_label=_("成果验收"),
                title=f"{requirement.number} {requirement.topic}",
                url=acceptance_url(requirement.pk),
                detail="、".join(str(slot.label) for slot in slots),
            )


@todo_source("retrospective", _("待确认复盘"), order=60)
def retrospectives_to_confirm(user, today):
    retrospectives = (
        Retrospective.objects.filter(
            status=RetrospectiveStatus.DRAFT,
            requirement__members__user=user,
            requirement__members__role=GroupRole.LEADER,
        )
        .select_related("requirement")
        .order_by("due_on", "id")
    )
    for retrospective in retrospectives:
        requirement = retrospective.requirement
        yield Todo(
            action=retrospective_action(retrospective),
            kind="retrospective",
            kind_label=_("复盘"),
            title=f"{requirement.number} {requirement.topic}",
            url=retrospective_url(requirement.pk),
            due=retrospective.due_on,
        )


@todo_source("improvement", _("改进措施"), order=70)
def improvements_owned(user, today):
    improvements = (
        ImprovementAction.objects.filter(
            owner=user, status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
        )
        .select_related("retrospective__requirement")
        .order_by("due_date", "id")
    )
    for improvement in improvements:
        yield Todo(
            action=improvement_action(improvement),
            kind="improvement",
            kind_label=_("改进措施"),
            title=f"{improvement.retrospective.requirement.number} · {improvement.action}",
            url=reverse("reviews:improvements"),
            due=improvement.due_date,
            detail=str(ActionStatus(improvement.status).label),
        )
