"""What the task register reports for a requirement's next actions (requests_app.stage):
the tasks still to break down and the plans still to approve, each with who holds it.
Attached to the requirement's `start` conditions in lifecycle.py."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from collab.core.lifecycle import Pending
from collab.signoffs.services import signoff_state
from requests_app.lifecycle import leader_holds

from .lifecycle import PLAN_STAGE, PlanStatus
from .selectors import requirement_plans


def _unique(users) -> list:
    seen, result = set(), []
    for user in users:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def tasks_pending(requirement) -> list[Pending]:
    """No task yet: the leader breaks the goal down."""
    url = reverse("tasks:register", args=[requirement.pk])
    return [Pending(_("分解任务：至少登记一个任务"), users=leader_holds(requirement), url=url)]


def plans_pending(requirement) -> list[Pending]:
    """Plans not approved: drafts wait for their authors to submit them; plans in review
    wait for the signatures still missing, then for the leader to approve them."""
    plans = [p for p in requirement_plans(requirement) if p.status != PlanStatus.APPROVED]
    url = reverse("tasks:plans", args=[requirement.pk])
    items = []
    drafts = [p for p in plans if p.status == PlanStatus.DRAFT]
    if drafts:
        text = _("%(count)s 个方案待提交评审") % {"count": len(drafts)}
        items.append(Pending(text, users=_unique(p.author for p in drafts), url=url))
    reviewing = [p for p in plans if p.status == PlanStatus.IN_REVIEW]
    if reviewing:
        missing = [
            slot
            for plan in reviewing
            for slot in signoff_state(plan, PLAN_STAGE)
            if not slot.approved
        ]
        signers = _unique(user for slot in missing for user in slot.signers)
        departments = list(
            {s.department.pk: s.department for s in missing if s.department}.values()
        )
        text = _("%(count)s 个方案待批准") % {"count": len(reviewing)}
        if missing:
            labels = "、".join(dict.fromkeys(slot.label for slot in missing))
            text = _("%(count)s 个方案待批准（等待 %(slots)s 签字）") % {
                "count": len(reviewing),
                "slots": labels,
            }
        holders = signers if missing else leader_holds(requirement)
        items.append(Pending(text, users=holders, departments=departments, url=url))
    return items
