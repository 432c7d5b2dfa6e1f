"""Alert of the retrospectives: not confirmed within 7 days of acceptance -> the leader."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from collab.notifications.alerts import ScanContext, alert_scan, catch_up_start, not_alerted
from collab.notifications.models import AlertKind
from collab.notifications.services import AlertSpec
from requests_app.alerts import group_users, url_or_blank
from requests_app.models import GroupRole

from .models import Retrospective, RetrospectiveStatus


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
        yield AlertSpec(
            kind=AlertKind.RETRO_OVERDUE,
            target=retrospective,
            due_on=retrospective.due_on,
            recipients=[leaders.get(requirement.pk) or retrospective.reviewer],
            message=_(
                "需求 %(number)s「%(topic)s」验收后应于 %(due)s 前完成复盘并确认，目前仍未确认"
            )
            % {
                "number": requirement.number,
                "topic": requirement.topic,
                "due": retrospective.due_on,
            },
            url=url_or_blank("reviews:retrospective", requirement.pk),
            requirement_id=requirement.pk,
        )
