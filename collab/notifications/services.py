"""Raising alerts exactly once and delivering them on every channel.

Raising: every alert is an `Alert` row unique on (kind, object, due date). A raise
inserts its rows with INSERT … ON CONFLICT DO NOTHING (bulk_create ignore_conflicts)
under a fresh batch id and reads back the rows carrying that batch id: only those are
new, and only they get deliveries and side effects. Overlapping scans and two beats
therefore never deliver twice; the loser of a concurrent insert waits for the winner's
commit and then inserts nothing.

Delivering, retries, rate limits, digests and the sweep: see deliveries.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .deliveries import (  # noqa: F401 (the delivery services live next door)
    deliveries_dispatch,
    delivery_send,
    robot_flush,
    robot_mark_broken,
)
from .models import (
    Alert,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    RobotConfig,
    Watch,
)
from .outgoing import site_url, webhook_document  # noqa: F401
from .personal import PLATFORM_OF, platform_ids
from .sweep import deliveries_resend, deliveries_sweep  # noqa: F401

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
    robots: bool = True  # group robots; the requirement's webhooks get every alert
    extra: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # the kind's template values
    occurrence: str = ""  # events: a fresh key per occurrence; reminders: none
    action: str = ""  # the to-do the notice asks for (todos.py)
    action_for: Sequence[int] = ()  # recipients whose copy asks for it
    inbox_now: bool = False  # write the inbox rows in this transaction (events)

    @property
    def text(self) -> str:
        """The message in the site's language."""
        return self.message or _render_default(self)

    @property
    def key(self) -> tuple:
        content_type = ContentType.objects.get_for_model(self.target)
        return (self.kind, content_type.pk, self.target.pk, self.due_on, self.occurrence)


def alert_exists(spec: AlertSpec) -> bool:
    kind, content_type_id, object_id, due_on, occurrence = spec.key
    return Alert.objects.filter(
        kind=kind,
        content_type_id=content_type_id,
        object_id=object_id,
        due_on=due_on,
        occurrence=occurrence,
    ).exists()


def _preferences(user_ids: Iterable[int]) -> dict[int, ChannelPreference]:
    return {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=set(user_ids))}


def _robots(specs: Sequence[AlertSpec], prefs) -> dict:
    departments, requirements = set(), set()
    for spec in specs:
        if spec.requirement_id:
            requirements.add(spec.requirement_id)
        if not spec.robots:
            continue
        departments.update(spec.departments)
        departments.update(
            u.department_id
            for u in spec.recipients
            if u is not None and u.department_id and getattr(prefs.get(u.pk), "robots", True)
        )
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


def _plan_deliveries(alert: Alert, spec: AlertSpec, prefs, robots, accounts=None) -> list[Delivery]:
    rows: list[Delivery] = []
    seen_users = set()
    chosen_robots: dict[int, RobotConfig] = {}
    now = timezone.now()
    for user in spec.recipients:
        if user is None or user.pk in seen_users or not user.is_active:
            continue
        seen_users.add(user.pk)
        pref = prefs.get(user.pk)
        if getattr(pref, "inbox", True):
            inbox = Delivery(alert=alert, channel=Channel.INBOX, recipient=user)
            if spec.inbox_now:
                # Written with the change it reports (see _write_inbox): exactly once.
                inbox.status, inbox.attempts, inbox.sent_at = DeliveryStatus.SENT, 1, now
                inbox.claimed_at = now
            rows.append(inbox)
        if getattr(pref, "email", True) and user.email:
            rows.append(Delivery(alert=alert, channel=Channel.EMAIL, recipient=user))
        personal = getattr(pref, "work_notice", "")
        if personal and (accounts or {}).get((user.pk, PLATFORM_OF[personal])):
            rows.append(Delivery(alert=alert, channel=personal, recipient=user))
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
    elif spec.requirement_id:
        # Events the group does not see in its chat still reach the requirement's
        # signed webhooks: integrations get every event.
        for robot in robots.get(("requirement", spec.requirement_id), []):
            if robot.kind == Channel.WEBHOOK:
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
                occurrence=occurrence,
                message=spec.text,
                params=spec.params,
                url=spec.url,
                action=spec.action,
                action_for=list(spec.action_for),
                batch=batch,
            )
            for (kind, content_type_id, object_id, due_on, occurrence), spec in unique.items()
        ],
        ignore_conflicts=True,
    )
    new_alerts = list(Alert.objects.filter(batch=batch).order_by("id"))
    if not new_alerts:
        return []
    new_specs = [
        (
            alert,
            unique[
                (
                    alert.kind,
                    alert.content_type_id,
                    alert.object_id,
                    alert.due_on,
                    alert.occurrence,
                )
            ],
        )
        for alert in new_alerts
    ]
    prefs = _preferences(u.pk for _a, spec in new_specs for u in spec.recipients if u is not None)
    robots = _robots([spec for _a, spec in new_specs], prefs)
    accounts = platform_ids(p.user_id for p in prefs.values() if p.work_notice)
    deliveries = []
    for alert, spec in new_specs:
        note = _run_hooks(alert, spec)
        if note:
            alert.note = note
            alert.save(update_fields=["note"])
        deliveries.extend(_plan_deliveries(alert, spec, prefs, robots, accounts))
    # Event webhooks of other systems (collab.integrations) get the kinds they chose.
    from collab.integrations.webhooks import planned_rows

    deliveries.extend(planned_rows(new_alerts))
    Delivery.objects.bulk_create(deliveries)
    _write_inbox([d for d in deliveries if d.status == DeliveryStatus.SENT])
    queued = list(
        Delivery.objects.filter(alert__batch=batch, status=DeliveryStatus.PENDING)
        .values_list("pk", "channel")
        .order_by("pk")
    )
    transaction.on_commit(partial(deliveries_dispatch, deliveries=queued))
    return new_alerts


def _render_default(spec: AlertSpec) -> str:
    from django.utils import translation

    from .messages import render

    with translation.override(settings.LANGUAGE_CODE):
        return render(spec.kind, spec.params)


def inbox_row(alert: Alert, user) -> Notification:
    """The inbox row of `alert` for `user`, its text in their language."""
    from .messages import language_of, render_in

    _label, text = render_in(language_of(user), alert.kind, alert.params, alert.message)
    return Notification(
        recipient=user,
        kind=alert.kind,
        message=text,
        target=alert.url,
        alert=alert,
        action=alert.action if user.pk in (alert.action_for or ()) else "",
    )


def _write_inbox(deliveries: Sequence[Delivery]) -> None:
    """Inbox rows of events, in the caller's transaction with their sent deliveries."""
    if not deliveries:
        return
    Notification.objects.bulk_create([inbox_row(d.alert, d.recipient) for d in deliveries])
    DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(
                delivery=d,
                number=1,
                outcome=DeliveryAttempt.Outcome.OK,
                detail="inbox",
                finished_at=d.sent_at,
            )
            for d in deliveries
        ]
    )


# Watching a requirement
@transaction.atomic
def watch_start(*, requirement, user) -> bool:
    """`user` watches the requirement (they may see it: the caller checked). Returns
    whether it is new."""
    _watch, created = Watch.objects.get_or_create(scope_id=requirement.pk, user=user)
    return created


@transaction.atomic
def watch_stop(*, requirement, user) -> bool:
    deleted, _rows = Watch.objects.filter(scope_id=requirement.pk, user=user).delete()
    return bool(deleted)


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
    if "work_notice" in data:
        from django.core.exceptions import ValidationError

        from .personal import work_notice_error

        error = work_notice_error(actor, data["work_notice"] or "")
        if error:
            raise ValidationError({"work_notice": error})
        preference.work_notice = data["work_notice"] or ""
        fields.append("work_notice")
    if fields:
        preference.save(update_fields=fields)
    return preference


@transaction.atomic
def work_calendar_import(*, rows: Sequence[tuple[date, bool, str]], actor) -> int:
    """Replace one year's working calendar with the State Council notice (date, 休/班,
    note): the notice is the whole truth for that year, so earlier rows of the year
    (chinese-calendar, computed from the rules, earlier imports) go. Rows are checked by
    workdays.parse_notice; returns the number of days stored."""
    from .models import WorkCalendarDay

    years = {day.year for day, _workday, _note in rows}
    if len(years) != 1:
        raise ValueError("a notice covers exactly one year")
    (year,) = years
    WorkCalendarDay.objects.filter(date__year=year).delete()
    WorkCalendarDay.objects.bulk_create(
        [
            WorkCalendarDay(
                date=day, is_workday=workday, note=note, source=WorkCalendarDay.Source.NOTICE
            )
            for day, workday, note in rows
        ]
    )
    logger.info("%s imported the holiday notice for %s (%s days)", actor, year, len(rows))
    return len(rows)
