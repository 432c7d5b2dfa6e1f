"""Lifecycle of a risk or issue (template 3): 待处理 → 处理中 → 已解决 → 已关闭."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.core.lifecycle import Condition, Lifecycle, Transition

from . import rules as perms


class RiskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.IN_PROGRESS)


def has_measures(risk) -> str | None:
    return None if (risk.measures or "").strip() else gettext("解决前请填写解决措施")


def has_actual_resolution(risk) -> str | None:
    return None if risk.actual_resolution else gettext("解决前请填写实际解决时间")


S = RiskStatus
WHO_WORKS = _("责任人、组长或协调人")
LIFECYCLE = Lifecycle(
    "risks_app.Risk",
    title=_("风险与问题"),
    states=RiskStatus,
    transitions=[
        Transition(
            "start",
            source=(S.OPEN,),
            target=S.IN_PROGRESS,
            label=_("开始处理"),
            who=WHO_WORKS,
            permission=perms.fsm_can_work_on,
        ),
        Transition(
            "resolve",
            source=(S.OPEN, S.IN_PROGRESS),
            target=S.RESOLVED,
            label=_("标记已解决"),
            who=WHO_WORKS,
            permission=perms.fsm_can_work_on,
            conditions=[
                Condition("measures", _("已填写解决措施"), has_measures),
                Condition("actual_resolution", _("已填写实际解决时间"), has_actual_resolution),
            ],
        ),
        Transition(
            "close",
            source=(S.RESOLVED,),
            target=S.CLOSED,
            label=_("关闭"),
            who=_("组长或协调人"),
            permission=perms.fsm_can_close,
        ),
        Transition(
            "reopen",
            source=(S.RESOLVED,),
            target=S.IN_PROGRESS,
            label=_("重新打开"),
            who=WHO_WORKS,
            permission=perms.fsm_can_work_on,
            needs_reason=True,
        ),
    ],
)
