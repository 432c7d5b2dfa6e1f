"""What the risk and issue register reports for a requirement's next actions
(requests_app.stage): while the requirement is in progress, every open issue (问题, a
problem that occurred) is pending at the 风险与问题 step, held by its owner. Potential
risks (风险) are watched in the register and the weekly meeting, not here."""

from __future__ import annotations

from django.utils.translation import gettext as _

from collab.core.lifecycle import Pending
from requests_app.lifecycle import RequirementStatus, Step
from requests_app.stage import Watch

from .models import ACTIVE_STATUSES, Risk, RiskKind

ISSUES_SHOWN = 5


def open_issues_pending(requirement) -> list[Pending]:
    issues = list(
        Risk.objects.filter(
            requirement=requirement, kind=RiskKind.ISSUE, status__in=ACTIVE_STATUSES
        )
        .select_related("owner", "owner_department")
        .order_by("code")
    )
    items = []
    for issue in issues[:ISSUES_SHOWN]:
        text = _("问题 %(code)s 待解决：%(text)s") % {
            "code": issue.code,
            "text": issue.description[:60],
        }
        users = [issue.owner] if issue.owner is not None else []
        departments = [issue.owner_department]
        items.append(
            Pending(text, users=users, departments=departments, url=issue.get_absolute_url())
        )
    if len(issues) > ISSUES_SHOWN:
        text = _("另有 %(count)s 个问题待解决") % {"count": len(issues) - ISSUES_SHOWN}
        items.append(Pending(text, url=issues[ISSUES_SHOWN].get_absolute_url()))
    return items


ISSUES_WATCH = Watch(
    "open_issues", Step.RISKS, (RequirementStatus.IN_PROGRESS,), open_issues_pending
)
