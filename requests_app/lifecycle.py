"""Lifecycle of a requirement (template 1): 待评审 → 已确认 → 执行中 → 已完成, or 已驳回.

Conditions of later steps live with the apps that own them and are added in their
`AppConfig.ready()`: tasks and plans (tasks_app) to `start`, acceptance and closed tasks
(reviews_app) to `complete`. Each condition names the step of the six-step loop it
belongs to and who holds what is missing (`Pending`), which the requirement's pages
show as the current step and the next action (stage.py).
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab.core.lifecycle import Condition, Lifecycle, Pending, Transition

from . import rules as perms

REVIEW_STAGE = "requirement_review"


class RequirementStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待评审")
    CONFIRMED = "confirmed", _("已确认")
    IN_PROGRESS = "in_progress", _("执行中")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已驳回")


class Step(models.TextChoices):
    """The six steps of the closed loop (六步闭环) a requirement goes through."""

    REVIEW = "review", _("需求确认")
    DIVISION = "division", _("分工")
    PLANS = "plans", _("方案")
    EXECUTION = "execution", _("执行")
    RISKS = "risks", _("风险与问题")
    DELIVERY = "delivery", _("验收复盘")


def detail_url(requirement, anchor: str = "") -> str:
    url = reverse("requirements:detail", args=[requirement.pk])
    return f"{url}#{anchor}" if anchor else url


# Who holds the requirement's own transitions for one requirement.
def coordinator_holds(requirement) -> list:
    return [requirement.coordinator]


def contact_holds(requirement) -> list:
    return [requirement.contact]


def leader_holds(requirement) -> list:
    """The group leader; the coordinator while no leader is named."""
    from .selectors import group_leader

    leader = group_leader(requirement)
    return [leader.user] if leader is not None else [requirement.coordinator]


def review_signed(requirement) -> str | None:
    from collab.signoffs.services import signoff_blockers

    reasons = signoff_blockers(requirement, REVIEW_STAGE)
    return "；".join(reasons) if reasons else None


def review_pending(requirement) -> list[Pending]:
    """Each review slot not yet approved, held by the people who may sign it."""
    from django.utils.translation import gettext

    from collab.signoffs.services import signoff_state

    items = []
    for slot in signoff_state(requirement, REVIEW_STAGE):
        if slot.approved:
            continue
        if slot.rejected:
            text = gettext("%(slot)s 不同意：%(comment)s") % {
                "slot": slot.label,
                "comment": slot.latest.comment,
            }
        else:
            text = gettext("等待 %(slot)s 签字") % {"slot": slot.label}
        departments = [slot.department] if slot.department is not None else []
        url = detail_url(requirement, "signoffs")
        items.append(Pending(text, users=list(slot.signers), departments=departments, url=url))
    return items


def group_ready(requirement) -> str | None:
    from django.utils.translation import gettext

    from .selectors import group_leader, missing_liaisons

    reasons = []
    if group_leader(requirement) is None:
        reasons.append(gettext("尚未指定协作小组组长"))
    missing = missing_liaisons(requirement)
    if missing:
        names = "、".join(d.name for d in missing)
        reasons.append(gettext("以下部门尚无接口人：%(names)s") % {"names": names})
    return "；".join(reasons) if reasons else None


def group_pending(requirement) -> list[Pending]:
    """The leader and the liaisons still missing, held by the coordinator (who forms
    the group)."""
    from django.utils.translation import gettext

    from .selectors import group_leader, missing_liaisons

    holders, url = coordinator_holds(requirement), detail_url(requirement, "group")
    items = []
    if group_leader(requirement) is None:
        items.append(Pending(gettext("指定协作小组组长"), users=holders, url=url))
    missing = missing_liaisons(requirement)
    if missing:
        names = "、".join(d.name for d in missing)
        text = gettext("还缺 %(names)s 接口人") % {"names": names}
        items.append(Pending(text, users=holders, departments=missing, url=url))
    return items


S = RequirementStatus
LIFECYCLE = Lifecycle(
    "requests_app.Requirement",
    title=_("需求"),
    states=RequirementStatus,
    transitions=[
        Transition(
            "confirm",
            source=(S.PENDING_REVIEW,),
            target=S.CONFIRMED,
            label=_("确认需求"),
            who=_("协作协调人"),
            permission=perms.fsm_can_review,
            conditions=[
                Condition(
                    "review_signed",
                    _("评审签字齐全且全部同意（协调人、发起部门及各参与部门负责人）"),
                    review_signed,
                    step=Step.REVIEW,
                    pending=review_pending,
                ),
            ],
            prompt=_("评审签字已齐全，请确认需求"),
            holders=coordinator_holds,
        ),
        Transition(
            "reject",
            source=(S.PENDING_REVIEW,),
            target=S.REJECTED,
            label=_("驳回"),
            who=_("协作协调人"),
            permission=perms.fsm_can_review,
            needs_reason=True,
            in_admin=False,
            holders=coordinator_holds,
        ),
        Transition(
            "resubmit",
            source=(S.REJECTED,),
            target=S.PENDING_REVIEW,
            label=_("重新提交"),
            who=_("需求联系人或协作协调人"),
            permission=perms.fsm_can_resubmit,
            prompt=_("需求已驳回，请修改后重新提交"),
            holders=contact_holds,
        ),
        Transition(
            "start",
            source=(S.CONFIRMED,),
            target=S.IN_PROGRESS,
            label=_("开始执行"),
            who=_("小组组长或协作协调人"),
            permission=perms.fsm_can_start,
            conditions=[
                Condition(
                    "group_ready",
                    _("已指定组长，每个参与部门都有接口人"),
                    group_ready,
                    step=Step.DIVISION,
                    pending=group_pending,
                ),
            ],
            prompt=_("分工与方案已就绪，请开始执行"),
            holders=leader_holds,
        ),
        Transition(
            "complete",
            source=(S.IN_PROGRESS,),
            target=S.COMPLETED,
            label=_("完成需求"),
            who=_("小组组长或协作协调人"),
            permission=perms.fsm_can_start,
            prompt=_("验收已通过、任务均已关闭，请完成需求"),
            holders=leader_holds,
        ),
    ],
)
