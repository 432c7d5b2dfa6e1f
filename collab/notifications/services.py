"""Raising alerts exactly once and delivering them on every channel.

Raising: every alert is an `Alert` row unique on (kind, object, due date). A raise
inserts its rows with INSERT … ON CONFLICT DO NOTHING (bulk_create ignore_conflicts)
under a fresh batch id and reads back the rows carrying that batch id: only those are
new, and only they get deliveries and side effects. Overlapping scans and two beats
therefore never deliver twice; the loser of a concurrent insert waits for the winner's
commit and then inserts nothing.

Delivering: one `Delivery` row per (alert, recipient, channel) or (alert, robot), each
sent by its own Celery task (per channel, retried with exponential backoff, acks_late),
so a failing channel never holds up the others. A task first claims its row
(SELECT … FOR UPDATE SKIP LOCKED, then a compare-and-set pending/retrying -> sending,
committed), sends, then records sent. A redelivered task finds the row `sending` or
`sent` and stops.

Guarantees, honestly:
- In-app inbox: exactly once. Claim, inbox row and `sent` commit in one transaction.
- External channels (e-mail, robots, webhook): at most once across a crash. A worker
  killed between the claim and the recorded outcome leaves the row `sending`; it is
  never sent again automatically. After COLLAB_ALERT_SENDING_TIMEOUT the sweep marks it
  `unconfirmed` and admins can resend it from the admin after checking the receiver.
- Retries of a failed send are at least once: if the receiver accepted the message but
  the answer was lost (timeout), the retry sends it again. Webhook receivers can
  deduplicate on the `X-Collab-Delivery` header.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .models import (
    Alert,
    AlertKind,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    RobotConfig,
)

logger = logging.getLogger(__name__)

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)

# kind -> hooks run once, when that kind's alert is first raised: (alert, target) -> note.
# Filled by alerts.register_alerts() from the apps' `@alert_hook` declarations.
ALERT_HOOKS: dict[str, list[Callable]] = {}


@dataclass
class AlertSpec:
    """What a scan wants to send; becomes an Alert if its key is new."""

    kind: str
    target: models.Model
    due_on: date
    recipients: Sequence  # users
    message: str
    url: str = ""
    departments: Sequence[int] = ()  # robot scopes besides the recipients' departments
    requirement_id: int | None = None  # requirement whose robots also get it
    robots: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        content_type = ContentType.objects.get_for_model(self.target)
        return (self.kind, content_type.pk, self.target.pk, self.due_on)


def alert_exists(spec: AlertSpec) -> bool:
    kind, content_type_id, object_id, due_on = spec.key
    return Alert.objects.filter(
        kind=kind, content_type_id=content_type_id, object_id=object_id, due_on=due_on
    ).exists()


def _preferences(user_ids: Iterable[int]) -> dict[int, ChannelPreference]:
    return {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=set(user_ids))}


def _robots(specs: Sequence[AlertSpec], prefs) -> dict:
    departments, requirements = set(), set()
    for spec in specs:
        if not spec.robots:
            continue
        departments.update(spec.departments)
        departments.update(
            u.department_id
            for u in spec.recipients
            if u is not None and u.department_id and getattr(prefs.get(u.pk), "robots", True)
        )
        if spec.requirement_id:
            requirements.add(spec.requirement_id)
    if not (departments or requirements):
        return {}
    requirement_type = _requirement_type()
    condition = Q(department_id__in=departments)
    if requirements and requirement_type is not None:
        condition |= Q(scope_type=requirement_type, scope_id__in=requirements)
    found: dict = {}
    for robot in RobotConfig.objects.filter(condition, is_active=True):
        scope = (
            ("department", robot.department_id)
            if robot.department_id
            else (
                "requirement",
                robot.scope_id,
            )
        )
        found.setdefault(scope, []).append(robot)
    return found


def _requirement_type():
    try:
        return ContentType.objects.get_by_natural_key(
            *settings.COLLAB_SCOPE_MODEL.lower().split(".")
        )
    except ContentType.DoesNotExist:
        return None


def _plan_deliveries(alert: Alert, spec: AlertSpec, prefs, robots) -> list[Delivery]:
    rows: list[Delivery] = []
    seen_users = set()
    chosen_robots: dict[int, RobotConfig] = {}
    for user in spec.recipients:
        if user is None or user.pk in seen_users or not user.is_active:
            continue
        seen_users.add(user.pk)
        pref = prefs.get(user.pk)
        if getattr(pref, "inbox", True):
            rows.append(Delivery(alert=alert, channel=Channel.INBOX, recipient=user))
        if getattr(pref, "email", True) and user.email:
            rows.append(Delivery(alert=alert, channel=Channel.EMAIL, recipient=user))
        if spec.robots and getattr(pref, "robots", True) and user.department_id:
            for robot in robots.get(("department", user.department_id), []):
                chosen_robots[robot.pk] = robot
    if spec.robots:
        for department_id in spec.departments:
            for robot in robots.get(("department", department_id), []):
                chosen_robots[robot.pk] = robot
        if spec.requirement_id:
            for robot in robots.get(("requirement", spec.requirement_id), []):
                chosen_robots[robot.pk] = robot
    rows.extend(
        Delivery(alert=alert, channel=robot.kind, robot=robot) for robot in chosen_robots.values()
    )
    return rows


def _run_hooks(alert: Alert, spec: AlertSpec) -> str:
    notes = []
    for hook in ALERT_HOOKS.get(alert.kind, []):
        try:
            with transaction.atomic():
                note = hook(alert=alert, target=spec.target)
        except Exception as error:  # a side effect never stops the alert itself
            logger.exception("Alert hook %s failed for alert %s", hook.__name__, alert.pk)
            note = f"{hook.__name__} failed: {error}"
        if note:
            notes.append(str(note))
    return "\n".join(notes)


@transaction.atomic
def alerts_raise(*, specs: Sequence[AlertSpec]) -> list[Alert]:
    """Record the alerts whose key is new, plan their deliveries and queue them after
    commit. Returns the new alerts only."""
    unique: dict[tuple, AlertSpec] = {}
    for spec in specs:
        unique.setdefault(spec.key, spec)
    if not unique:
        return []
    batch = uuid.uuid4()
    Alert.objects.bulk_create(
        [
            Alert(
                kind=kind,
                content_type_id=content_type_id,
                object_id=object_id,
                due_on=due_on,
                message=spec.message,
                url=spec.url,
                batch=batch,
            )
            for (kind, content_type_id, object_id, due_on), spec in unique.items()
        ],
        ignore_conflicts=True,
    )
    new_alerts = list(Alert.objects.filter(batch=batch).order_by("id"))
    if not new_alerts:
        return []
    new_specs = [
        (alert, unique[(alert.kind, alert.content_type_id, alert.object_id, alert.due_on)])
        for alert in new_alerts
    ]
    prefs = _preferences(u.pk for _a, spec in new_specs for u in spec.recipients if u is not None)
    robots = _robots([spec for _a, spec in new_specs], prefs)
    deliveries = []
    for alert, spec in new_specs:
        note = _run_hooks(alert, spec)
        if note:
            alert.note = note
            alert.save(update_fields=["note"])
        deliveries.extend(_plan_deliveries(alert, spec, prefs, robots))
    Delivery.objects.bulk_create(deliveries)
    queued = list(
        Delivery.objects.filter(alert__batch=batch).values_list("pk", "channel").order_by("pk")
    )
    transaction.on_commit(partial(deliveries_dispatch, deliveries=queued))
    return new_alerts


def deliveries_dispatch(*, deliveries: Sequence[tuple[int, str]]) -> None:
    """Queue one Celery task per delivery, on its channel's task. A broker failure only
    logs: the rows stay pending and the next sweep queues them again."""
    from .tasks import CHANNEL_TASKS

    for delivery_id, channel in deliveries:
        try:
            CHANNEL_TASKS[channel].apply_async(args=[delivery_id])
        except Exception:
            logger.exception("Could not queue delivery %s; the sweep will retry", delivery_id)


def _text(alert: Alert) -> str:
    label = AlertKind(alert.kind).label if alert.kind in AlertKind.values else alert.kind
    link = f"\n{site_url(alert.url)}" if alert.url else ""
    return f"【{label}】{alert.message}{link}"


def site_url(path: str) -> str:
    base = getattr(settings, "COLLAB_SITE_URL", "").rstrip("/")
    return f"{base}{path}" if path.startswith("/") else path


def webhook_document(delivery: Delivery) -> dict:
    alert = delivery.alert
    return {
        "event": "alert",
        "alert_id": alert.pk,
        "delivery_id": delivery.pk,
        "kind": alert.kind,
        "kind_label": str(AlertKind(alert.kind).label) if alert.kind in AlertKind.values else "",
        "message": alert.message,
        "url": site_url(alert.url) if alert.url else "",
        "due_on": alert.due_on.isoformat(),
        "object": {
            "type": f"{alert.content_type.app_label}.{alert.content_type.model}",
            "id": alert.object_id,
        },
        "created_at": alert.created_at.isoformat(),
    }


def _send_external(delivery: Delivery) -> str:
    alert = delivery.alert
    if delivery.channel == Channel.EMAIL:
        user = delivery.recipient
        if user is None or not user.email:
            raise channels.PermanentChannelError("recipient has no e-mail address")
        label = AlertKind(alert.kind).label if alert.kind in AlertKind.values else alert.kind
        try:
            send_mail(
                subject=f"[Collab] {label}",
                message=_text(alert),
                from_email=None,
                recipient_list=[user.email],
            )
        except OSError as error:
            raise channels.ChannelError(f"{type(error).__name__}: {error}") from error
        return f"mail to {user.email}"
    robot = delivery.robot
    if robot is None:
        raise channels.PermanentChannelError("robot was removed")
    if delivery.channel == Channel.DINGTALK:
        request = channels.dingtalk_request(robot.webhook_url, robot.secret, _text(alert))
    elif delivery.channel == Channel.FEISHU:
        request = channels.feishu_request(robot.webhook_url, robot.secret, _text(alert))
    elif delivery.channel == Channel.WECOM:
        request = channels.wecom_request(robot.webhook_url, _text(alert))
    elif delivery.channel == Channel.WEBHOOK:
        request = channels.webhook_request(
            robot.webhook_url, robot.secret, webhook_document(delivery), delivery_id=delivery.pk
        )
    else:
        raise channels.PermanentChannelError(f"unknown channel {delivery.channel}")
    return channels.post(request, kind=delivery.channel)


def _claim(delivery_id: int, *, to: str):
    """Lock the row (skipping it if another worker holds it) and move it from pending or
    retrying to `to`; None when it is not ours to send."""
    delivery = (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("alert", "alert__content_type", "recipient", "robot")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status not in CLAIMABLE:
        return None
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE).update(
        status=to, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return None
    delivery.refresh_from_db(fields=["status", "attempts", "claimed_at"])
    return delivery


def _finish(delivery: Delivery, attempt: DeliveryAttempt, *, status: str, detail: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        fields = {"status": status, "last_error": "" if status == DeliveryStatus.SENT else detail}
        if status == DeliveryStatus.SENT:
            fields["sent_at"] = now
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
        attempt.outcome = (
            DeliveryAttempt.Outcome.OK
            if status == DeliveryStatus.SENT
            else DeliveryAttempt.Outcome.ERROR
        )
        attempt.detail = detail[:2000]
        attempt.finished_at = now
        attempt.save(update_fields=["outcome", "detail", "finished_at"])


def delivery_send(*, delivery_id: int, task_id: str = "", final_attempt: bool = False) -> str:
    """Send one delivery once. Returns what happened; raises ChannelError when a retry is
    due (the Celery task retries with backoff)."""
    with transaction.atomic():
        channel = Delivery.objects.filter(pk=delivery_id).values_list("channel", flat=True).first()
        if channel is None:
            return "missing"
        if channel == Channel.INBOX:
            delivery = _claim(delivery_id, to=DeliveryStatus.SENT)
            if delivery is None:
                return "already handled"
            alert = delivery.alert
            Notification.objects.create(
                recipient=delivery.recipient,
                kind=alert.kind,
                message=alert.message,
                target=alert.url,
            )
            now = timezone.now()
            Delivery.objects.filter(pk=delivery_id).update(sent_at=now, last_error="")
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=delivery.attempts,
                task_id=task_id or "",
                outcome=DeliveryAttempt.Outcome.OK,
                detail="inbox",
                finished_at=now,
            )
            return "sent"
        delivery = _claim(delivery_id, to=DeliveryStatus.SENDING)
        if delivery is None:
            return "already handled"
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, task_id=task_id or ""
        )
    # The claim is committed: from here until the outcome is recorded, a crash leaves the
    # row `sending` and nothing sends it again automatically (at most once).
    try:
        detail = _send_external(delivery)
    except channels.PermanentChannelError as error:
        _finish(delivery, attempt, status=DeliveryStatus.FAILED, detail=str(error))
        return "failed"
    except channels.ChannelError as error:
        status = DeliveryStatus.FAILED if final_attempt else DeliveryStatus.RETRYING
        _finish(delivery, attempt, status=status, detail=str(error))
        if final_attempt:
            return "failed"
        raise
    _finish(delivery, attempt, status=DeliveryStatus.SENT, detail=detail)
    return "sent"


def deliveries_sweep(*, now=None) -> dict[str, int]:
    """Queue deliveries whose task never reached the broker, and flag deliveries stuck
    in `sending` (their worker died mid-send) as unconfirmed for an admin to check."""
    now = now or timezone.now()
    requeue_after = timedelta(minutes=getattr(settings, "COLLAB_ALERT_REQUEUE_MINUTES", 10))
    sending_timeout = timedelta(minutes=getattr(settings, "COLLAB_ALERT_SENDING_TIMEOUT", 15))
    try:
        stuck = Delivery.objects.filter(
            status=DeliveryStatus.SENDING, claimed_at__lt=now - sending_timeout
        ).update(
            status=DeliveryStatus.UNCONFIRMED,
            last_error="发送过程中断，无法确认对方是否收到；请核实后在后台手动重发",
        )
        pending = list(
            Delivery.objects.filter(
                status=DeliveryStatus.PENDING, created_at__lt=now - requeue_after
            ).values_list("pk", "channel")[:1000]
        )
    except DatabaseError:
        logger.exception("Delivery sweep failed")
        return {"unconfirmed": 0, "requeued": 0}
    if pending:
        deliveries_dispatch(deliveries=pending)
    return {"unconfirmed": stuck, "requeued": len(pending)}


@transaction.atomic
def deliveries_resend(*, delivery_ids: Iterable[int], actor) -> int:
    """Admin action: send unconfirmed or failed deliveries again (the admin has checked
    the receiver did not get them)."""
    ids = list(
        Delivery.objects.filter(
            pk__in=list(delivery_ids),
            status__in=[DeliveryStatus.UNCONFIRMED, DeliveryStatus.FAILED],
        ).values_list("pk", "channel")
    )
    Delivery.objects.filter(pk__in=[pk for pk, _c in ids]).update(status=DeliveryStatus.PENDING)
    logger.info("%s requeued deliveries %s", actor, [pk for pk, _c in ids])
    transaction.on_commit(partial(deliveries_dispatch, deliveries=ids))
    return len(ids)


# Inbox
@transaction.atomic
def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.recipient_id != actor.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def channel_preference_update(*, actor, data: dict) -> ChannelPreference:
    preference, _created = ChannelPreference.objects.get_or_create(user=actor)
    fields = [name for name in ("inbox", "email", "robots", "digest") if name in data]
    for name in fields:
        setattr(preference, name, bool(data[name]))
    if fields:
        preference.save(update_fields=fields)
    return preference
