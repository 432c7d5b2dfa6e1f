"""The test event an admin sends to check a subscription."""

from django.utils.translation import gettext_lazy as _

from collab.notifications.events import EventType

WEBHOOK_TEST = "webhook_test"

EVENT_TYPES = [
    EventType(
        WEBHOOK_TEST,
        _("测试事件"),
        _("这是一条来自 Collab 的测试事件（订阅「%(name)s」）。"),
        roles=("person",),
        watchers=False,
    ),
]
