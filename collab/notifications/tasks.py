"""Celery tasks: the beat scan, one delivery task per channel and the robot flush.

Queues (CELERY_TASK_ROUTES in settings): `scans` for the scan and sweep, `notify` for
inbox, e-mail and webhooks, `robot-dingtalk`, `robot-feishu`, `robot-wecom` for each
robot platform, so a slow or failing platform only delays its own messages.

Each delivery task wraps services.delivery_send and is acknowledged only after it ran
(acks_late): a lost worker's message is delivered again and then stops at the claimed
row. Retries are scheduled with the delay the service chose; the same time is stored
on the row, so the sweep requeues it if the delayed message is lost with the broker.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .deliveries import RetryLater
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
    def deliver(self, delivery_id: int) -> str:
        from .services import delivery_send

        try:
            return delivery_send(delivery_id=delivery_id, task_id=self.request.id or "")
        except RetryLater as later:
            raise self.retry(countdown=later.seconds, exc=later) from later

    deliver.__name__ = deliver.__qualname__ = f"deliver_{channel}"
    return shared_task(
        name=f"collab.notifications.tasks.deliver_{channel}",
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        # How long retries go on is decided by the service (COLLAB_ALERT_RETRY_HOURS).
        max_retries=None,
        autoretry_for=(OperationalError, InterfaceError),
        retry_backoff=30,
        retry_backoff_max=600,
        retry_jitter=True,
    )(deliver)


deliver_inbox = _delivery_task(Channel.INBOX)
deliver_email = _delivery_task(Channel.EMAIL)
deliver_dingtalk = _delivery_task(Channel.DINGTALK)
deliver_feishu = _delivery_task(Channel.FEISHU)
deliver_wecom = _delivery_task(Channel.WECOM)
deliver_webhook = _delivery_task(Channel.WEBHOOK)
deliver_ding_work = _delivery_task(Channel.DINGTALK_WORK)
deliver_feishu_msg = _delivery_task(Channel.FEISHU_MESSAGE)
deliver_wecom_app = _delivery_task(Channel.WECOM_APP)

CHANNEL_TASKS = {
    Channel.INBOX: deliver_inbox,
    Channel.EMAIL: deliver_email,
    Channel.DINGTALK: deliver_dingtalk,
    Channel.FEISHU: deliver_feishu,
    Channel.WECOM: deliver_wecom,
    Channel.WEBHOOK: deliver_webhook,
    Channel.DINGTALK_WORK: deliver_ding_work,
    Channel.FEISHU_MESSAGE: deliver_feishu_msg,
    Channel.WECOM_APP: deliver_wecom_app,
}


@shared_task(
    name="collab.notifications.tasks.flush_robot",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=None,
)
def flush_robot(self, robot_id: int) -> str:
    """Send a robot's messages that waited for its rate limit, as one digest."""
    from .services import robot_flush

    return robot_flush(robot_id=robot_id, task_id=self.request.id or "")
