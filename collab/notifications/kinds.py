"""The platform's own event kinds and roles: the daily digest (日同步), a broken group
robot, and the roles every register may use (signers, owner, the person concerned)."""

from django.utils.translation import gettext_lazy as _

from .events import PLATFORM_ROLES, EventType
from .mentions import MENTIONED
from .models import AlertKind

ROBOT_BROKEN = "robot_broken"

ROLES = PLATFORM_ROLES

EVENT_TYPES = [
    EventType(
        AlertKind.DAILY_DIGEST,
        AlertKind.DAILY_DIGEST.label,
        _("%(date)s 日同步：\n%(body)s"),
        roles=("person",),
        watchers=False,
        reminder=True,
    ),
    EventType(
        MENTIONED,
        _("有人@了您"),
        _("%(actor)s 在%(where)s中提到了您：%(excerpt)s"),
        roles=("person",),
        watchers=False,
    ),
    EventType(
        ROBOT_BROKEN,
        _("群机器人故障"),
        _("群机器人「%(name)s」（%(kind)s）发送失败，已停止重试：%(reason)s。请检查机器人设置。"),
        roles=("person",),
        watchers=False,
    ),
]
