"""What template 4 reports for a requirement's next actions (requests_app.stage): the
tasks still open and the acceptance before completion (attached to the requirement's
`complete` conditions in lifecycle.py), and the retrospective after it (a watch
registered in apps.py)."""

from __future__ import annotations

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext as _

from collab.core.lifecycle import Pending
from collab.signoffs.services import signoff_state
from requests_app.lifecycle import RequirementStatus, Step, leader_holds
from requests_app.stage import Watch
from tasks_app.lifecycle import OPEN_STATUSES, TaskStatus
from tasks_app.models import Task

from .lifecycle import ACCEPTANCE_STAGE, AcceptanceStatus, ActionStatus, RetrospectiveStatus
from .models import ImprovementAction, Retrospective

BLOCKED_SHOWN = 5  # blocked tasks named one by one; the rest are counted


def _unique(users) -> list:
    return list({user.pk: user for user in users if user is not None}.values())


def _owners_in_order(tasks) -> list:
    """The owners of `tasks`, each once, in the WBS order of their first task."""
    from collab.accounts.models import User

    firsts = tasks.order_by().values("owner_id").annotate(first=Min("code_sort"))
    order = [row["owner_id"] for row in firsts.order_by("first", "owner_id")]
    people = User.objects.in_bulk(order)
    return [people[pk] for pk in order if pk in people]


def open_tasks_pending(requirement) -> list[Pending]:
    """Blocked tasks one by one (their owners unblock them), the other open tasks
    counted, held by their owners; after a failed acceptance they are the rework."""
    open_tasks = Task.objects.filter(requirement=requirement, status__in=OPEN_STATUSES)
    blocked = list(
        open_tasks.filter(status=TaskStatus.BLOCKED)
        .select_related("owner", "owner_department")
        .order_by("code_sort", "id")[:BLOCKED_SHOWN]
    )
    items = []
    for task in blocked:
        text = _("任务 %(code)s 阻塞：%(reason)s") % {
            "code": task.code,
            "reason": task.block_reason,
        }
        url = reverse("tasks:detail", args=[task.pk])
        items.append(
            Pending(text, users=[task.owner], departments=[task.owner_department], url=url)
        )
    # The rest counted in the database, held by their owners in WBS order of their
    # first task: bounded by people, not by tasks.
    rest = open_tasks.exclude(pk__in=[t.pk for t in blocked])
    count = rest.count()
    if count:
        text = _("%(count)s 个任务未完成") % {"count": count}
        latest = next(iter(requirement.acceptances.all()), None)  # newest attempt first
        if latest is not None and latest.status == AcceptanceStatus.FAILED:
            text = _("验收不通过（%(reason)s），返工中：%(count)s 个任务未完成") % {
                "reason": latest.failure_reason,
                "count": count,
            }
        url = reverse("tasks:register", args=[requirement.pk])
        items.append(Pending(text, users=_owners_in_order(rest), url=url))
    return items


def acceptance_pending(requirement) -> list[Pending]:
    """The acceptance the initiating department runs, at whatever point it stands."""
    acceptance = next(iter(requirement.acceptances.all()), None)  # newest attempt first
    url = reverse("reviews:acceptance", args=[requirement.pk])
    runners = [requirement.contact]
    if acceptance is None:
        text = _("%(dept)s 组织成果验收") % {"dept": requirement.initiating_department.name}
        return [
            Pending(text, users=runners, departments=[requirement.initiating_department], url=url)
        ]
    if acceptance.status == AcceptanceStatus.DRAFT:
        return [Pending(_("填写验收结论并提交签字"), users=runners, url=url)]
    if acceptance.status == AcceptanceStatus.FAILED:
        text = _("验收不通过（%(reason)s）：整改后重新发起验收") % {
            "reason": acceptance.failure_reason
        }
        return [Pending(text, users=runners, url=url)]
    if acceptance.status == AcceptanceStatus.SIGNING:
        items = []
        for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
            if slot.approved:
                continue
            template = _("%(slot)s 不同意验收") if slot.rejected else _("等待 %(slot)s 验收签字")
            departments = [slot.department] if slot.department is not None else []
            items.append(
                Pending(
                    template % {"slot": slot.label},
                    users=list(slot.signers),
                    departments=departments,
                    url=url + "#signoffs",
                )
            )
        return items or [Pending(_("验收签字已齐全，确认验收通过"), users=runners, url=url)]
    return []


def retrospective_pending(requirement) -> list[Pending]:
    """After completion: the leader confirms the retrospective, then the improvement
    actions are carried out by their owners."""
    url = reverse("reviews:retrospective", args=[requirement.pk])
    retrospective = Retrospective.objects.filter(requirement=requirement).first()
    if retrospective is None or retrospective.status == RetrospectiveStatus.DRAFT:
        due = retrospective.due_on.isoformat() if retrospective else "—"
        text = _("完成复盘并确认复盘报告（%(due)s 前）") % {"due": due}
        return [Pending(text, users=leader_holds(requirement), url=url)]
    actions = list(
        ImprovementAction.objects.filter(retrospective=retrospective)
        .exclude(status=ActionStatus.DONE)
        .select_related("owner")
    )
    if not actions:
        return []
    text = _("%(count)s 项改进措施未完成") % {"count": len(actions)}
    return [Pending(text, users=_unique(a.owner for a in actions), url=url)]


RETROSPECTIVE_WATCH = Watch(
    "retrospective", Step.DELIVERY, (RequirementStatus.COMPLETED,), retrospective_pending
)
