"""Events of meetings (scheduled, minutes published, action items), the attendees' and
organizer's roles, and the action items and minutes a person owes on the workbench.
Registered from MeetingsConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.notifications.events import EventType, Role, notify_event
from collab.notifications.models import AlertKind
from collab.notifications.todos import Todo, todo_source

from .models import ActionItem, ActionItemStatus, Meeting


class MeetingEvent(models.TextChoices):
    SCHEDULED = "meeting_scheduled", _("会议通知")
    MINUTES_PUBLISHED = "minutes_published", _("会议纪要已发布")
    ACTION_ITEM_ASSIGNED = "action_item_assigned", _("会议待办分派")


def _meeting(ctx):
    target = ctx.target
    return target if isinstance(target, Meeting) else getattr(target, "meeting", None)


def _attendees(ctx):
    meeting = _meeting(ctx)
    return list(meeting.attendees.all()) if meeting is not None else []


def _organizer(ctx):
    meeting = _meeting(ctx)
    return [meeting.organizer] if meeting is not None else []


ROLES = [
    Role("attendees", _("参会人"), _attendees, order=70),
    Role("organizer", _("组织人"), _organizer, order=75),
]

EVENT_TYPES = [
    EventType(
        MeetingEvent.SCHEDULED,
        MeetingEvent.SCHEDULED.label,
        _("%(actor)s 安排了会议「%(title)s」（需求 %(number)s），时间 %(held)s，地点 %(location)s"),
        roles=("attendees",),
    ),
    EventType(
        MeetingEvent.MINUTES_PUBLISHED,
        MeetingEvent.MINUTES_PUBLISHED.label,
        _("%(number)s %(title)s 的会议纪要已发布"),
        roles=("attendees", "group"),
        group=True,
    ),
    EventType(
        MeetingEvent.ACTION_ITEM_ASSIGNED,
        MeetingEvent.ACTION_ITEM_ASSIGNED.label,
        _("会议「%(title)s」（需求 %(number)s）的待办交给您：%(text)s，截止 %(due)s"),
        roles=("owner",),
        action_roles=("owner",),
    ),
    EventType(
        AlertKind.MINUTES_OVERDUE,
        AlertKind.MINUTES_OVERDUE.label,
        _("%(number)s %(title)s（%(held)s）的会议纪要超过%(hours)s小时仍未发布，请尽快发布"),
        roles=("organizer",),
        action_roles=("organizer",),
        watchers=False,
        reminder=True,
    ),
]


def minutes_action(meeting: Meeting) -> str:
    return f"minutes:{meeting.pk}"


def item_action(item: ActionItem) -> str:
    return f"actionitem:{item.pk}"


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def notify_meeting(kind: str, meeting: Meeting, *, actor, **context):
    return notify_event(
        kind,
        target=meeting,
        requirement=meeting.requirement,
        actor=actor,
        url=meeting.get_absolute_url(),
        params={
            "title": meeting.display_title,
            "held": local(meeting.held_at),
            "location": meeting.location or "—",
        },
        **context,
    )


def notify_item(item: ActionItem, *, actor):
    meeting = item.meeting
    return notify_event(
        MeetingEvent.ACTION_ITEM_ASSIGNED,
        target=item,
        requirement=meeting.requirement,
        actor=actor,
        url=meeting.get_absolute_url(),
        params={"title": meeting.display_title, "text": item.text, "due": str(item.due_date)},
        action=item_action(item),
        owner=item.owner,
    )


@todo_source("action_item", _("会议待办"), order=50)
def action_items_owned(user, today):
    items = (
        ActionItem.objects.filter(
            owner=user, status=ActionItemStatus.OPEN, converted_id__isnull=True
        )
        .select_related("meeting__requirement")
        .order_by("due_date", "id")
    )
    for item in items:
        meeting = item.meeting
        yield Todo(
            action=item_action(item),
            kind="action_item",
            kind_label=_("会议待办"),
            title=f"{meeting.requirement.number} · {item.text}",
            url=meeting.get_absolute_url(),
            due=item.due_date,
            detail=meeting.display_title,
        )


@todo_source("minutes", _("纪要待发布"), order=55)
def minutes_to_publish(user, today):
    meetings = (
        Meeting.objects.filter(
            organizer=user, published_at__isnull=True, held_at__lte=timezone.now()
        )
        .exclude(requirement__status__in=("completed", "rejected"))
        .select_related("requirement")
        .order_by("held_at", "id")
    )
    for meeting in meetings:
        yield Todo(
            action=minutes_action(meeting),
            kind="minutes",
            kind_label=_("纪要待发布"),
            title=f"{meeting.requirement.number} · {meeting.display_title}",
            url=meeting.get_absolute_url(),
            due=timezone.localdate(meeting.publish_deadline),
        )
