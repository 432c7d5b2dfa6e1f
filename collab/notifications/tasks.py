"""Celery tasks: the beat scan and one delivery task per channel.

Each delivery task wraps services.delivery_send: it retries on ChannelError with
exponential backoff and jitter, and is acknowledged only after it ran (acks_late), so
a lost worker's message is delivered again and then stops at the claimed row.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .channels import ChannelError
from .models import Channel


@shared_task(name="collab.notifications.tasks.run_alert_scans")
def run_alert_scans() -> int:
    """Run every alert scan once (the beat entry); returns the number of alerts raised."""
    from .alerts import run_all

    return sum(result.raised for result in run_all())


@worker_ready.connect
def scan_when_a_worker_starts(sender=None, **kwargs):
    """A worker that (re)starts scans at once instead of waiting for the next beat tick,
    so alerts that fell due while workers were down go out right away. Scans are
    idempotent, so several workers starting together cost nothing extra."""
    if not getattr(settings, "COLLAB_ALERT_SCAN_ON_WORKER_START", True):
        return
    try:
        run_alert_scans.apply_async(expires=60)
    except Exception:
        logging.getLogger(__name__).exception("Could not queue the start-up alert scan")


def _delivery_task(channel: str):
    max_retries = getattr(settings, "COLLAB_ALERT_MAX_RETRIES", 8)

    def deliver(self, delivery_id: int) -> str:
        from .services import delivery_send

        return delivery_send(
            delivery_id=delivery_id,
            task_id=self.request.id or "",
            final_attempt=self.request.retries >= max_retries,
        )

    deliver.__name__ = deliver.__qualname__ = f"deliver_{channel}"
    return shared_task(
        name=f"collab.notifications.tasks.deliver_{channel}",
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=(ChannelError, OperationalError, InterfaceError),
        retry_backoff=getattr(settings, "COLLAB_ALERT_RETRY_BACKOFF", 30),
        retry_backoff_max=getattr(settings, "COLLAB_ALERT_RETRY_BACKOFF_MAX", 3600),
        retry_jitter=True,
        max_retries=max_retries,
    )(deliver)


deliver_inbox = _delivery_task(Channel.INBOX)
deliver_email = _delivery_task(Channel.EMAIL)
deliver_dingtalk = _delivery_task(Channel.DINGTALK)
deliver_feishu = _delivery_task(Channel.FEISHU)
deliver_wecom = _delivery_task(Channel.WECOM)
deliver_webhook = _delivery_task(Channel.WEBHOOK)

CHANNEL_TASKS = {
    Channel.INBOX: deliver_inbox,
    Channel.EMAIL: deliver_email,
    Channel.DINGTALK: deliver_dingtalk,
    Channel.FEISHU: deliver_feishu,
    Channel.WECOM: deliver_wecom,
    Channel.WEBHOOK: deliver_webhook,
}
