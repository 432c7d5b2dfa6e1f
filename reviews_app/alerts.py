"""Alerts of acceptance and retrospective: not confirmed within 7 days of acceptance -> the
leader; an improvement action due tomorrow (or today) -> its owner; acceptance sign-offs
waiting in each signer's daily digest."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from collab.notifications.alerts import (
    ScanContext,
    alert_scan,
    catch_up_start,
    digest_section,
    not_alerted,
)
from collab.notifications.models import AlertKind
from collab.notifications.services import AlertSpec
from requests_app.alerts import group_users, url_or_blank
from requests_app.models import GroupRole

from .events import ReviewEvent, improvement_action, retrospective_action
from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceStatus,
    ActionStatus,
    ImprovementAction,
    Retrospective,
    RetrospectiveStatus,
)


@alert_scan("retro_overdue", _("复盘超7天未确认"))
def scan_retro_overdue(ctx: ScanContext):
    """Draft retrospectives past their due date (acceptance + 7 days), over the
    (status, due_on) index; keyed on the due date, so a moved due date re-arms."""
    last = ctx.today - datetime.timedelta(days=1)
    rows = list(
        not_alerted(
            Retrospective.objects.filter(
                status=RetrospectiveStatus.DRAFT,
                due_on__gte=catch_up_start(ctx, last),
                due_on__lte=last,
            ),
            AlertKind.RETRO_OVERDUE,
            "due_on",
        ).select_related("requirement", "reviewer")
    )
    leaders = group_users((r.requirement_id for r in rows), GroupRole.LEADER)
    for retrospective in rows:
        requirement = retrospective.requirement
        leader = leaders.get(requirement.pk)
        yield AlertSpec(
            kind=AlertKind.RETRO_OVERDUE,
            target=retrospective,
            due_on=retrospective.due_on,
            recipients=[leader or retrospective.reviewer],
            message="",
            params={
                "number": requirement.number,
                "topic": requirement.topic,
                "due": str(retrospective.due_on),
            },
            action=retrospective_action(retrospective),
            action_for=[leader.pk] if leader else [],
            url=url_or_blank("reviews:retrospective", requirement.pk),
            requirement_id=requirement.pk,
        )


@alert_scan("improvement_due", _("改进措施到期提醒"))
def scan_improvement_due(ctx: ScanContext):
    """Open improvement actions due today or the next counted day -> their owner, once
    per due date (moving the date re-arms it)."""
    last = ctx.days.shift(ctx.today, 1)
    rows = not_alerted(
        ImprovementAction.objects.filter(
            status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
            due_date__gte=ctx.today,
            due_date__lte=last,
        ),
        ReviewEvent.IMPROVEMENT_DUE,
        "due_date",
    ).select_related("owner", "retrospective__requirement")
    for improvement in rows:
        requirement = improvement.retrospective.requirement
        yield AlertSpec(
            kind=ReviewEvent.IMPROVEMENT_DUE,
            target=improvement,
            due_on=improvement.due_date,
            recipients=[improvement.owner],
            message="",
            params={
                "number": requirement.number,
                "text": improvement.action,
                "due": str(improvement.due_date),
            },
            action=improvement_action(improvement),
            action_for=[improvement.owner_id],
            url=url_or_blank("reviews:improvements"),
            departments=[improvement.owner_department_id],
            requirement_id=requirement.pk,
        )


@digest_section(order=45)
def digest_acceptance_signoffs(ctx: ScanContext) -> dict[int, list[str]]:
    """Acceptance sign-offs (验收签字) still waiting for a person's signature."""
    from collab.signoffs.services import signoff_state

    lines: dict[int, list[str]] = {}
    acceptances = (
        Acceptance.objects.filter(status=AcceptanceStatus.SIGNING)
        .select_related("requirement__initiating_department__head")
        .prefetch_related("departments__head", "signoffs")
    )
    for acceptance in acceptances:
        for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
            if slot.approved:
                continue
            for signer in slot.signers:
                lines.setdefault(signer.pk, []).append(
                    _("待签字：需求 %(number)s「%(topic)s」成果验收（%(slot)s）")
                    % {
                        "number": acceptance.requirement.number,
                        "topic": acceptance.requirement.topic,
                        "slot": slot.label,
                    }
                )
    return lines
