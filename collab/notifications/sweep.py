"""The delivery sweep: every row whose next step is overdue is queued again, rows cut
off mid-send are resolved, and admins resend by hand."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .deliveries import CLAIMABLE, IDEMPOTENT_CHANNELS, deliveries_dispatch, setting
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
)

logger = logging.getLogger(__name__)


# The sweep
def _inbox_for_unconfirmed(alert_ids: Iterable[int]) -> list[tuple[int, str]]:
    """Robot rows cut off mid-send: make sure every recipient of those alerts has the
    message in the inbox (it is delivered exactly once)."""
    alert_ids = set(alert_ids)
    if not alert_ids:
        return []
    people = set(
        Delivery.objects.filter(alert_id__in=alert_ids, recipient__isnull=False).values_list(
            "alert_id", "recipient_id"
        )
    )
    Delivery.objects.bulk_create(
        [
            Delivery(alert_id=alert_id, channel=Channel.INBOX, recipient_id=user_id)
            for alert_id, user_id in sorted(people)
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            alert_id__in=alert_ids, channel=Channel.INBOX, status=DeliveryStatus.PENDING
        ).values_list("pk", "channel")
    )


def deliveries_sweep(*, now=None) -> dict[str, int]:
    """Leave nothing waiting forever: requeue every row not in a final state whose next
    attempt is overdue (pending never queued, retrying whose delayed message was lost),
    resend e-mail and webhook rows cut off mid-send, and mark robot rows cut off
    mid-send unconfirmed (their recipients get the inbox message)."""
    now = now or timezone.now()
    grace = timedelta(minutes=setting("COLLAB_ALERT_REQUEUE_MINUTES", 10))
    sending_timeout = timedelta(minutes=setting("COLLAB_ALERT_SENDING_TIMEOUT", 15))
    batch = setting("COLLAB_ALERT_SWEEP_BATCH", 2000)
    try:
        with transaction.atomic():
            stale = Delivery.objects.filter(
                status=DeliveryStatus.SENDING, claimed_at__lt=now - sending_timeout
            )
            resent = list(
                stale.filter(channel__in=IDEMPOTENT_CHANNELS).values_list("pk", "channel")
            )
            Delivery.objects.filter(pk__in=[pk for pk, _c in resent]).update(
                status=DeliveryStatus.RETRYING,
                next_attempt_at=None,
                last_error=_("发送过程中断，已按同一消息标识重发"),
            )
            robot_rows = list(stale.values_list("pk", "alert_id"))
            Delivery.objects.filter(pk__in=[pk for pk, _a in robot_rows]).update(
                status=DeliveryStatus.UNCONFIRMED,
                last_error=_(
                    "发送过程中断，无法确认群里是否收到；接收人已在站内通知中收到该提醒。"
                    "如需重发请先在群里核实，重发可能造成重复。"
                ),
            )
            inbox = _inbox_for_unconfirmed(a for _pk, a in robot_rows)
        overdue = list(
            Delivery.objects.filter(status__in=CLAIMABLE)
            .filter(
                Q(next_attempt_at__isnull=True, created_at__lt=now - grace)
                | Q(next_attempt_at__lt=now - grace)
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "channel")[:batch]
        )
    except DatabaseError:
        logger.exception("Delivery sweep failed")
        return {"unconfirmed": 0, "resent": 0, "requeued": 0}
    overdue = [row for row in overdue if row not in set(resent)]
    if inbox or resent or overdue:
        deliveries_dispatch(deliveries=[*inbox, *resent, *overdue])
    return {"unconfirmed": len(robot_rows), "resent": len(resent), "requeued": len(overdue)}


@transaction.atomic
def deliveries_resend(*, delivery_ids: Iterable[int], actor) -> dict[str, int]:
    """Admin action: send failed or unconfirmed deliveries again. Unconfirmed rows may
    already have arrived; the action says so. Returns counts per former status."""
    rows = list(
        Delivery.objects.select_for_update()
        .filter(
            pk__in=list(delivery_ids),
            status__in=[DeliveryStatus.UNCONFIRMED, DeliveryStatus.FAILED],
        )
        .values_list("pk", "channel", "status")
    )
    Delivery.objects.filter(pk__in=[pk for pk, _c, _s in rows]).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None
    )
    logger.info("%s requeued deliveries %s", actor, [pk for pk, _c, _s in rows])
    transaction.on_commit(
        partial(deliveries_dispatch, deliveries=[(pk, channel) for pk, channel, _s in rows])
    )
    return {
        "resent": len(rows),
        "unconfirmed": sum(1 for _pk, _c, s in rows if s == DeliveryStatus.UNCONFIRMED),
    }


def failed_delivery_count() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.FAILED).count()
