"""Event kinds and to-dos of the org sync: a person who left (deactivated by the sync)
and the hand-over of their open work, a to-do of the coordinators until one of them
marks it done."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab.notifications.events import EventType
from collab.notifications.todos import Todo, todo_source

MEMBER_LEFT = "member_left"

EVENT_TYPES = [
    EventType(
        MEMBER_LEFT,
        _("人员离职"),
        _("%(name)s 已不在%(source)s通讯录中，账号已停用。请将其未完成的工作转交他人。"),
        roles=("person",),
        action_roles=("person",),
        watchers=False,
    ),
]


def handover_action(handover_id: int) -> str:
    return f"handover:{handover_id}"


@todo_source("handover", _("离职交接"), order=70)
def handovers_open(user, today):
    """Open hand-overs, for coordinators (one query)."""
    if not user.is_coordinator:
        return
    from .models import Handover

    rows = Handover.objects.filter(done_at__isnull=True).select_related("user")
    for handover in rows.order_by("created_at", "id"):
        yield Todo(
            action=handover_action(handover.pk),
            kind="handover",
            kind_label=_("离职交接"),
            title=handover.user.label,
            url=reverse("identity:handover", args=[handover.pk]),
            detail=str(_("转交其未完成的工作")),
        )
