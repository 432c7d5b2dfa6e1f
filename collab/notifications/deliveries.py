"""Sending deliveries: claim, send, record; retries, the robots' rate limits and digest
messages, broken robots, and the sweep that leaves nothing waiting forever.

A task first claims its row (SELECT … FOR UPDATE SKIP LOCKED, then a compare-and-set
pending/retrying -> sending, committed), sends, then records the outcome. A redelivered
or duplicated task finds the row `sending` or in a final state and stops; one that
comes before the row's `next_attempt_at` stops too (the scheduled one follows).

Retries: transient errors (network, timeout, 5xx, platform busy) retry with capped
exponential backoff and jitter until `COLLAB_ALERT_RETRY_HOURS` (24) after the alert;
the next attempt time is stored on the row, so the sweep requeues it when the delayed
broker message is lost. Permanent platform errors fail at once and mark the robot
broken; its department head and the admins get an inbox notice.

Rate limits: a robot send first takes a token of the robot (ratelimit.py). Without one
the row waits (`next_attempt_at`) and one flush per robot is scheduled; the send that
gets the next token takes every waiting row of that robot along and sends them as one
digest message (markdown list, newest first, link to the full list in Collab).

Crash between claim and outcome (`sending` older than COLLAB_ALERT_SENDING_TIMEOUT):
e-mail (fixed Message-ID) and the signed webhook (`X-Collab-Delivery`) are sent again,
the receiver can drop the duplicate; robot rows have no idempotency key, so they become
`unconfirmed` and the alert's recipients get it in their inbox.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import channels, personal, ratelimit, todos
from .digests import digest_alerts
from .models import (
    PERSONAL_CHANNELS,
    Alert,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    RobotConfig,
)
from .outgoing import alert_text, message_id, robot_request

logger = logging.getLogger(__name__)

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
ROBOT_PLATFORMS = (Channel.DINGTALK, Channel.FEISHU, Channel.WECOM)
IDEMPOTENT_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK)
# A duplicate task arriving this early before a row's next attempt still runs it.
EARLY_SLACK = timedelta(seconds=1)


class RetryLater(Exception):
    """The delivery task should run again in `seconds`."""

    def __init__(self, message: str, seconds: float):
        super().__init__(message)
        self.seconds = seconds


def setting(name: str, default):
    return getattr(settings, name, default)


def queue_for(channel: str) -> str:
    channel = personal.PLATFORM_OF.get(channel, channel)  # their platform's lane
    if channel in ROBOT_PLATFORMS:
        return f"robot-{channel}"
    return "notify"


def deliveries_dispatch(*, deliveries: Sequence[tuple[int, str]]) -> None:
    """Queue one Celery task per delivery, on its channel's task and queue. A broker
    failure only logs: the rows keep their state and the sweep queues them again."""
    from .tasks import CHANNEL_TASKS

    for delivery_id, channel in deliveries:
        try:
            CHANNEL_TASKS[channel].apply_async(args=[delivery_id], queue=queue_for(channel))
        except Exception:
            logger.exception("Could not queue delivery %s; the sweep will retry", delivery_id)


def _send_external(delivery: Delivery, digest: list[Alert] | None = None) -> str:
    alert = delivery.alert
    if delivery.channel == Channel.EMAIL:
        user = delivery.recipient
        if user is None or not user.email:
            raise channels.PermanentChannelError("recipient has no e-mail address")
        from .messages import language_of, render_in

        language = language_of(user)
        label, _message = render_in(language, alert.kind, alert.params, alert.message)
        mail = EmailMessage(
            subject=f"[Collab] {label}",
            body=alert_text(alert, language),
            to=[user.email],
            headers={"Message-ID": message_id(delivery.pk)},
        )
        try:
            mail.send()
        except OSError as error:
            raise channels.ChannelError(f"{type(error).__name__}: {error}") from error
        return f"mail to {user.email} {message_id(delivery.pk)}"
    if delivery.channel in PERSONAL_CHANNELS:
        return personal.send(delivery)
    if delivery.subscription_id:
        from collab.integrations import webhooks  # event webhooks of other systems

        return webhooks.send(delivery)
    robot = delivery.robot
    if robot is None:
        raise channels.PermanentChannelError("robot was removed")
    request = robot_request(delivery, robot, digest)
    return channels.post(request, kind=delivery.channel)


# Claiming and recording
def _claim(delivery_id: int, *, to: str, now) -> Delivery | None:
    """Lock the row (skipping it if another worker holds it) and move it from pending or
    retrying to `to`; None when it is not ours to send (yet)."""
    delivery = (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("alert", "alert__content_type", "recipient", "robot", "subscription")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status not in CLAIMABLE:
        return None
    if delivery.next_attempt_at and delivery.next_attempt_at > now + EARLY_SLACK:
        return None
    Delivery.objects.filter(pk=delivery_id).update(
        status=to, attempts=F("attempts") + 1, claimed_at=now, next_attempt_at=None
    )
    delivery.refresh_from_db(fields=["status", "attempts", "claimed_at", "next_attempt_at"])
    return delivery


def _merge_waiting(lead: Delivery) -> int:
    """Once the robot's rate limit has made messages wait (pending rows with a next
    attempt time), attach every pending row of the robot to `lead`: the waiting ones and
    those whose task has not run yet go out in its digest, and those tasks then find
    their row merged. Rows in retry backoff keep their own schedule."""
    limit = setting("COLLAB_ROBOT_DIGEST_MAX_ROWS", 5000)
    pending = Delivery.objects.filter(
        robot_id=lead.robot_id, status=DeliveryStatus.PENDING
    ).exclude(pk=lead.pk)
    if not pending.filter(next_attempt_at__isnull=False).exists():
        return 0
    waiting = list(
        pending.select_for_update(skip_locked=True, of=("self",))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    return Delivery.objects.filter(pk__in=waiting, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.MERGED,
        merged_into=lead,
        next_attempt_at=None,
        last_error="",
    )


def _record(delivery: Delivery, attempt: DeliveryAttempt, *, status: str, detail: str, **extra):
    now = timezone.now()
    with transaction.atomic():
        fields = {"status": status, "last_error": "" if status == DeliveryStatus.SENT else detail}
        if status == DeliveryStatus.SENT:
            fields["sent_at"] = now
        fields.update(extra)
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
        attempt.outcome = (
            DeliveryAttempt.Outcome.OK
            if status == DeliveryStatus.SENT
            else DeliveryAttempt.Outcome.ERROR
        )
        attempt.detail = detail[:2000]
        attempt.finished_at = now
        attempt.save(update_fields=["outcome", "detail", "finished_at"])


def backoff_seconds(attempts: int) -> float:
    """Capped exponential backoff with jitter (half to full delay)."""
    base = setting("COLLAB_ALERT_RETRY_BACKOFF", 30)
    cap = setting("COLLAB_ALERT_RETRY_BACKOFF_MAX", 1800)
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay * (0.5 + random.random() / 2)  # noqa: S311 (jitter, not security)


def retry_deadline(delivery: Delivery):
    return delivery.alert.created_at + timedelta(hours=setting("COLLAB_ALERT_RETRY_HOURS", 24))


def _send_inbox(delivery_id: int, task_id: str, now) -> str:
    with transaction.atomic():
        delivery = _claim(delivery_id, to=DeliveryStatus.SENT, now=now)
        if delivery is None:
            return "already handled"
        from .services import inbox_row

        inbox_row(delivery.alert, delivery.recipient).save()
        Delivery.objects.filter(pk=delivery_id).update(sent_at=now, last_error="")
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            task_id=task_id,
            outcome=DeliveryAttempt.Outcome.OK,
            detail="inbox",
            finished_at=now,
        )
    return "sent"


def _wait_for_token(delivery_id: int, robot: RobotConfig, wait: float, now) -> str:
    """No token: the row waits and the robot's flush is scheduled."""
    Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now + timedelta(seconds=wait),
        last_error=_("等待群机器人发送频率限制"),
    )
    robot_flush_schedule(robot_id=robot.pk, kind=robot.kind, seconds=wait)
    return "rate limited"


# A personal message that asks its recipient to act is not sent once that to-do is
# closed (done, signed, resolved …) while the message waited (a retry, a rate limit).
WITHDRAWABLE = (Channel.EMAIL, *PERSONAL_CHANNELS)


def _asks_for_a_closed_todo(row: dict) -> bool:
    action, recipient_id = row["alert__action"], row["recipient_id"]
    return (
        row["channel"] in WITHDRAWABLE
        and bool(action)
        and recipient_id in (row["alert__action_for"] or ())
        and todos.closed_for(recipient_id, action)
    )


def _withdraw(delivery_id: int) -> str:
    withdrawn = Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE).update(
        status=DeliveryStatus.WITHDRAWN,
        next_attempt_at=None,
        last_error=_("待办已完成，消息不再发送"),
    )
    return "withdrawn" if withdrawn else "already handled"


def delivery_send(*, delivery_id: int, task_id: str = "", robot_token: bool = False) -> str:
    """Send one delivery once. Returns what happened; raises RetryLater when a retry is
    due (the Celery task schedules it)."""
    now = timezone.now()
    row = (
        Delivery.objects.filter(pk=delivery_id)
        .values(
            "channel",
            "status",
            "robot_id",
            "robot__kind",
            "next_attempt_at",
            "recipient_id",
            "alert__action",
            "alert__action_for",
        )
        .first()
    )
    if row is None:
        return "missing"
    if row["status"] not in CLAIMABLE:
        return "already handled"
    if row["next_attempt_at"] and row["next_attempt_at"] > now + EARLY_SLACK:
        return "not due"
    if row["channel"] == Channel.INBOX:
        return _send_inbox(delivery_id, task_id or "", now)
    if _asks_for_a_closed_todo(row):
        return _withdraw(delivery_id)
    if row["channel"] in PERSONAL_CHANNELS:
        personal.wait_for_app_token(delivery_id, row["channel"], now)  # or RetryLater
    if row["robot_id"] and not robot_token:
        wait = ratelimit.take_token(row["robot_id"], row["robot__kind"])
        if wait > 0:
            robot = RobotConfig(pk=row["robot_id"], kind=row["robot__kind"])
            return _wait_for_token(delivery_id, robot, wait, now)
    with transaction.atomic():
        delivery = _claim(delivery_id, to=DeliveryStatus.SENDING, now=now)
        if delivery is None:
            return "already handled"
        merged = _merge_waiting(delivery) if delivery.robot_id else 0
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, task_id=task_id or ""
        )
    # The claim is committed: a crash from here until the outcome is recorded leaves the
    # row `sending`; the sweep resolves it after COLLAB_ALERT_SENDING_TIMEOUT.
    digest = None
    if merged or Delivery.objects.filter(merged_into=delivery).exists():
        digest = digest_alerts(delivery)
    try:
        detail = _send_external(delivery, digest)
    except channels.PermanentChannelError as error:
        _record(delivery, attempt, status=DeliveryStatus.FAILED, detail=str(error))
        if delivery.robot_id:
            robot_mark_broken(robot_id=delivery.robot_id, reason=str(error))
        return "failed"
    except channels.ChannelError as error:
        now = timezone.now()
        delay = max(backoff_seconds(delivery.attempts), error.retry_after)
        if now + timedelta(seconds=delay) > retry_deadline(delivery):
            _record(delivery, attempt, status=DeliveryStatus.FAILED, detail=str(error))
            if delivery.robot_id:
                robot_mark_broken(robot_id=delivery.robot_id, reason=str(error))
            return "failed"
        _record(
            delivery,
            attempt,
            status=DeliveryStatus.RETRYING,
            detail=str(error),
            next_attempt_at=now + timedelta(seconds=delay),
        )
        raise RetryLater(str(error), delay) from error
    _record(delivery, attempt, status=DeliveryStatus.SENT, detail=detail)
    if delivery.robot_id:
        RobotConfig.objects.filter(pk=delivery.robot_id, broken_at__isnull=False).update(
            broken_at=None, broken_reason=""
        )
    return f"sent digest of {len(digest)}" if digest else "sent"


# Robot backlog
def robot_flush_schedule(*, robot_id: int, kind: str, seconds: float) -> None:
    """Schedule one flush of the robot's waiting rows when its next token is due. The
    cache key keeps it to one per robot (a second one is harmless, it finds less)."""
    from django.core.cache import cache

    from .tasks import flush_robot

    if flush_robot.app.conf.task_always_eager:
        # Eager mode (tests, a shell) cannot delay a task: the sweep or an explicit
        # flush sends the waiting rows.
        return
    key = f"collab:robot-flush:{robot_id}"
    if not cache.add(key, 1, timeout=max(int(seconds), 1)):
        return
    try:
        flush_robot.apply_async(
            args=[robot_id], countdown=seconds, queue=queue_for(kind), expires=seconds + 3600
        )
    except Exception:
        cache.delete(key)
        logger.exception("Could not schedule the flush of robot %s; the sweep will", robot_id)


def robot_flush(*, robot_id: int, task_id: str = "") -> str:
    """Send the robot's waiting rows as one digest once a token is free."""
    from django.core.cache import cache

    cache.delete(f"collab:robot-flush:{robot_id}")
    robot = RobotConfig.objects.filter(pk=robot_id).only("pk", "kind").first()
    if robot is None:
        return "missing"
    waiting = Delivery.objects.filter(
        robot_id=robot_id, status=DeliveryStatus.PENDING, next_attempt_at__isnull=False
    )
    lead_id = waiting.order_by("-created_at", "-id").values_list("pk", flat=True).first()
    if lead_id is None:
        return "nothing waiting"
    wait = ratelimit.take_token(robot_id, robot.kind)
    if wait > 0:
        robot_flush_schedule(robot_id=robot_id, kind=robot.kind, seconds=wait)
        return "rate limited"
    # The lead may be in retry backoff: the robot's token was just granted, send now.
    Delivery.objects.filter(pk=lead_id, status__in=CLAIMABLE).update(next_attempt_at=None)
    try:
        outcome = delivery_send(delivery_id=lead_id, task_id=task_id, robot_token=True)
    except RetryLater:
        outcome = "retrying"
    if waiting.exists():
        robot_flush_schedule(robot_id=robot_id, kind=robot.kind, seconds=1)
    return outcome


def robot_mark_broken(*, robot_id: int, reason: str) -> bool:
    """Mark the robot broken with the platform's message and, the first time, tell its
    department head and the admins in their inbox. Returns whether it was news."""
    now = timezone.now()
    with transaction.atomic():
        changed = RobotConfig.objects.filter(pk=robot_id, broken_at__isnull=True).update(
            broken_at=now, broken_reason=reason[:1000]
        )
        if not changed:
            RobotConfig.objects.filter(pk=robot_id).update(broken_reason=reason[:1000])
            return False
        robot = RobotConfig.objects.select_related("department__head").get(pk=robot_id)
        User = get_user_model()
        recipients = set(
            User.objects.filter(
                Q(is_staff=True) | Q(is_superuser=True), is_active=True
            ).values_list("pk", flat=True)
        )
        head = getattr(robot.department, "head", None)
        if head is not None and head.is_active:
            recipients.add(head.pk)
        from .events import notify_event
        from .messages import translatable

        notify_event(
            "robot_broken",
            target=robot,
            url=reverse("notifications:department_robots"),
            params={
                "name": robot.name,
                "kind": translatable(dict(Channel.choices)[robot.kind]),
                "reason": reason[:300],
            },
            people=list(User.objects.filter(pk__in=recipients)),
        )
    logger.warning("Robot %s marked broken: %s", robot_id, reason)
    return True
