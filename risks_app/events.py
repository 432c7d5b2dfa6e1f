"""Events of the risk and issue register, the coordinator's role for high-impact issues,
and the risks and issues a person owns on the workbench. Registered from
RisksAppConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.notifications.events import EventType, Role, notify_event
from collab.notifications.messages import translatable
from collab.notifications.models import AlertKind
from collab.notifications.todos import Todo, todo_source

from .models import ACTIVE_STATUSES, Impact, Risk, RiskKind


class RiskEvent(models.TextChoices):
    RAISED = "risk_raised", _("登记风险/问题")
    REASSIGNED = "risk_reassigned", _("风险/问题转交")
    RESOLVED = "risk_resolved", _("风险/问题已解决")
    ESCALATED = "risk_escalated", _("风险/问题上报")


def _high_impact_issue(risk) -> bool:
    return isinstance(risk, Risk) and risk.kind == RiskKind.ISSUE and risk.impact == Impact.HIGH


ROLES = [
    Role(
        "coordinator_high_impact",
        _("协调人（高影响问题）"),
        lambda ctx: [ctx.requirement.coordinator] if _high_impact_issue(ctx.target) else [],
        order=15,
    ),
]

EVENT_TYPES = [
    EventType(
        RiskEvent.RAISED,
        RiskEvent.RAISED.label,
        _(
            "%(actor)s 登记了%(kind)s %(code)s「%(text)s」"
            "（需求 %(number)s，影响%(impact)s），责任人 %(owner)s"
        ),
        roles=("owner", "leader", "coordinator_high_impact"),
        action_roles=("owner",),
    ),
    EventType(
        RiskEvent.REASSIGNED,
        RiskEvent.REASSIGNED.label,
        _("%(kind)s %(code)s「%(text)s」（需求 %(number)s，影响%(impact)s）已改由 %(owner)s 负责"),
        roles=("owner", "leader", "coordinator_high_impact"),
        action_roles=("owner",),
    ),
    EventType(
        RiskEvent.RESOLVED,
        RiskEvent.RESOLVED.label,
        _("%(kind)s %(code)s「%(text)s」（需求 %(number)s）已解决：%(measures)s"),
        roles=("owner", "leader"),
    ),
    EventType(
        RiskEvent.ESCALATED,
        RiskEvent.ESCALATED.label,
        _("%(number)s 的%(kind)s %(code)s 已上报，请协调资源：%(note)s"),
        roles=("coordinator",),
    ),
    EventType(
        AlertKind.RISK_OVERDUE,
        AlertKind.RISK_OVERDUE.label,
        _("%(kind)s %(code)s「%(text)s」（需求 %(number)s）计划 %(due)s 解决，至今未解决"),
        roles=("owner", "leader"),
        action_roles=("owner",),
        watchers=False,
        reminder=True,
    ),
]


def risk_action(risk: Risk) -> str:
    return f"risk:{risk.pk}"


def risk_params(risk: Risk) -> dict:
    return {
        "kind": translatable(RiskKind(risk.kind).label),
        "code": risk.code,
        "text": risk.description[:60],
        "impact": translatable(Impact(risk.impact).label),
        "owner": risk.owner.label if risk.owner_id else "—",
    }


def notify_risk(kind: str, risk: Risk, *, actor, params: dict | None = None):
    return notify_event(
        kind,
        target=risk,
        requirement=risk.requirement,
        actor=actor,
        url=risk.get_absolute_url(),
        params={**risk_params(risk), **(params or {})},
        action=risk_action(risk),
        owner=risk.owner,
    )


@todo_source("risk", _("风险与问题"), order=40)
def risks_owned(user, today):
    risks = (
        Risk.objects.filter(owner=user, status__in=ACTIVE_STATUSES)
        .select_related("requirement")
        .order_by("planned_resolution", "id")
    )
    for risk in risks:
        yield Todo(
            action=risk_action(risk),
            kind="risk",
            kind_label=RiskKind(risk.kind).label,
            title=f"{risk.requirement.number} · {risk.code} {risk.description[:60]}",
            url=risk.get_absolute_url(),
            due=risk.planned_resolution,
            detail=str(Impact(risk.impact).label),
        )
