"""Lifecycle of a requirement (template 1): 待评审 → 已确认 → 执行中 → 已完成, or 已驳回.

Conditions of later steps live with the apps that own them and are added in their
`AppConfig.ready()`: tasks and plans (tasks_app) to `start`, acceptance and closed tasks
(reviews_app) to `complete`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.core.lifecycle import Condition, Lifecycle, Transition

from . import rules as perms

REVIEW_STAGE = "requirement_review"


class RequirementStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待评审")
    CONFIRMED = "confirmed", _("已确认")
    IN_PROGRESS = "in_progress", _("执行中")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已驳回")


def review_signed(requirement) -> str | None:
    from collab.signoffs.services import signoff_blockers

    reasons = signoff_blockers(requirement, REVIEW_STAGE)
    return "；".join(reasons) if reasons else None


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
                ),
            ],
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
        ),
        Transition(
            "resubmit",
            source=(S.REJECTED,),
            target=S.PENDING_REVIEW,
            label=_("重新提交"),
            who=_("需求联系人或协作协调人"),
            permission=perms.fsm_can_resubmit,
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
                ),
            ],
        ),
        Transition(
            "complete",
            source=(S.IN_PROGRESS,),
            target=S.COMPLETED,
            label=_("完成"),
            who=_("小组组长或协作协调人"),
            permission=perms.fsm_can_start,
        ),
    ],
)
