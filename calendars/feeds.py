"""iCalendar (RFC 5545) documents: a person's feed, a requirement's feed, and one
meeting's invitation. Every event keeps one UID for the record it shows, so a
subscribed calendar replaces it when the record changes; times are Asia/Shanghai.

A person's feed: the due dates of their open tasks, the meetings they organize or
attend (time, place, link to the agenda), and the sign-offs waiting for them (on today,
until signed). A requirement's feed: the due dates of its open tasks, its meetings the
person may see, and its planned end.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from collab.accounts.models import User
from collab.notifications.todos import todos_for
from meetings.models import Meeting
from meetings.selectors import meetings_visible_to
from requests_app.models import Requirement
from tasks_app.models import OPEN_STATUSES, Task
from tasks_app.selectors import tasks_visible_to

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
PRODID = "-//Collab//跨部门协作//ZH"
UID_DOMAIN = "collab"
MEETINGS_SINCE_DAYS = 90
MEETING_MINUTES = 60


def _site(path: str) -> str:
    return settings.COLLAB_SITE_URL.rstrip("/") + path


def _calendar(name: str, method: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    return calendar


def _finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _stamp(event: Event, modified: datetime.datetime | None) -> None:
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    if modified is not None:
        event.add("last-modified", modified.astimezone(datetime.UTC))


def task_event(task: Task) -> Event:
    event = Event()
    event.add("uid", f"task-{task.pk}-due@{UID_DOMAIN}")
    event.add("summary", _("[任务到期] %(code)s %(name)s") % {"code": task.code, "name": task.name})
    event.add("dtstart", task.planned_end)
    event.add("dtend", task.planned_end + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    url = _site(reverse("tasks:detail", args=[task.pk]))
    event.add("url", url)
    event.add(
        "description",
        f"{task.requirement.number} {task.requirement.topic}\n"
        f"{_('负责人')}: {task.owner_department.name}/{task.owner.label}\n"
        f"{_('状态')}: {task.get_status_display()}\n{url}",
    )
    _stamp(event, task.updated_at)
    return event


def _meeting_minutes(meeting: Meeting) -> int:
    occurrence = getattr(meeting, "weekly_occurrence", None)
    if occurrence is not None:
        return occurrence.schedule.duration_minutes
    return MEETING_MINUTES


def meeting_event(meeting: Meeting, *, invitation: bool = False) -> Event:
    event = Event()
    start = meeting.held_at.astimezone(ZONE)
    event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
    event.add("summary", meeting.display_title)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=_meeting_minutes(meeting)))
    if meeting.location:
        event.add("location", meeting.location)
    url = _site(meeting.get_absolute_url())
    event.add("url", url)
    agenda = _("议程与纪要：%(url)s") % {"url": url}
    event.add("description", f"{meeting.requirement.number} {meeting.requirement.topic}\n{agenda}")
    if invitation:
        event.add("sequence", int(meeting.updated_at.timestamp()) % 2_000_000_000)
        organizer = vCalAddress(f"mailto:{meeting.organizer.email or meeting.organizer.username}")
        organizer.params["cn"] = vText(meeting.organizer.label)
        event["organizer"] = organizer
        for person in meeting.attendees.all():
            attendee = vCalAddress(f"mailto:{person.email or person.username}")
            attendee.params["cn"] = vText(person.label)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            event.add("attendee", attendee, encode=0)
    _stamp(event, meeting.updated_at)
    return event


def _meetings(qs):
    since = timezone.now() - datetime.timedelta(days=MEETINGS_SINCE_DAYS)
    return (
        qs.filter(held_at__gte=since)
        .select_related("requirement", "organizer", "weekly_occurrence__schedule")
        .order_by("held_at", "pk")
    )


def _open_tasks(qs):
    return (
        qs.filter(status__in=OPEN_STATUSES)
        .select_related("requirement", "owner", "owner_department")
        .order_by("planned_end", "code_sort", "pk")
    )


def user_calendar(user: User) -> bytes:
    calendar = _calendar(_("协作日历 %(name)s") % {"name": user.label})
    for task in _open_tasks(tasks_visible_to(user).filter(owner=user)):
        calendar.add_component(task_event(task))
    mine = meetings_visible_to(user).filter(Q(attendees=user) | Q(organizer=user)).distinct()
    for meeting in _meetings(mine):
        calendar.add_component(meeting_event(meeting))
    today = timezone.localdate()
    for todo in todos_for(user, today):
        if not todo.action.startswith("sign:"):
            continue
        event = Event()
        event.add("uid", f"{todo.action.replace(':', '-')}@{UID_DOMAIN}")
        event.add("summary", _("[待签字] %(title)s") % {"title": todo.title})
        event.add("dtstart", today)
        event.add("dtend", today + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("url", _site(todo.url))
        event.add("description", f"{todo.kind_label}: {todo.detail}\n{_site(todo.url)}")
        _stamp(event, None)
        calendar.add_component(event)
    return _finish(calendar)


def requirement_calendar(requirement: Requirement, user: User) -> bytes:
    calendar = _calendar(f"{requirement.number} {requirement.topic}")
    for task in _open_tasks(Task.objects.filter(requirement=requirement)):
        calendar.add_component(task_event(task))
    for meeting in _meetings(meetings_visible_to(user).filter(requirement=requirement)):
        calendar.add_component(meeting_event(meeting))
    end = Event()
    end.add("uid", f"requirement-{requirement.pk}-end@{UID_DOMAIN}")
    end.add(
        "summary",
        _("[计划完成] %(number)s %(topic)s")
        % {
            "number": requirement.number,
            "topic": requirement.topic,
        },
    )
    end.add("dtstart", requirement.end_date)
    end.add("dtend", requirement.end_date + datetime.timedelta(days=1))
    end.add("transp", "TRANSPARENT")
    end.add("url", _site(reverse("requirements:detail", args=[requirement.pk])))
    _stamp(end, requirement.updated_at)
    calendar.add_component(end)
    return _finish(calendar)


def meeting_invitation(meeting: Meeting) -> bytes:
    calendar = _calendar(meeting.display_title, method="REQUEST")
    calendar.add_component(meeting_event(meeting, invitation=True))
    return _finish(calendar)
