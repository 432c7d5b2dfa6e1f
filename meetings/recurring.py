"""The standing weekly meeting (协作例会) of a requirement.

The leader sets the weekday, time, place and attendees once; beat (and `manage.py
create_weekly_meetings`) creates each occurrence ahead as an ordinary weekly meeting,
its agenda prefilled from the tracker (the agenda providers of the weekly kind: late,
blocked and due-this-week tasks, open high-impact issues). On the meeting's day the same
run prefills it again from the tracker as it is that morning, unless someone has edited
the agenda or the minutes have been started. A date
that is not a working day (weekend, statutory holiday; 调休 make-up days count as
working) is recorded as skipped. Minutes, publishing and the 24-hour rule are those of
every meeting.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.core.history import one_entry
from collab.notifications.workdays import WORKING, DayCounter
from requests_app.selectors import group_leader

from . import rules as perms
from .models import MeetingKind, Weekday, WeeklyOccurrence, WeeklySchedule
from .services import meeting_create

DEFAULT_DAYS_AHEAD = 7


def days_ahead() -> int:
    return int(getattr(settings, "COLLAB_WEEKLY_MEETING_DAYS_AHEAD", DEFAULT_DAYS_AHEAD))


def can_schedule(user, requirement) -> bool:
    return perms.can_organize(user, requirement, MeetingKind.WEEKLY)


@transaction.atomic
def weekly_schedule_save(
    *,
    requirement,
    actor,
    weekday: int,
    time: datetime.time,
    location: str = "",
    attendees: Iterable = (),
    duration_minutes: int = 60,
    active: bool = True,
) -> WeeklySchedule:
    """Set (or change) the requirement's weekly meeting: the leader or the coordinator."""
    if not can_schedule(actor, requirement):
        raise PermissionDenied(_("只有组长或协调人可以安排协作例会"))
    errors: dict[str, list[str]] = {}
    if weekday not in Weekday.values:
        errors["weekday"] = [_("请选择星期一至星期日")]
    if not isinstance(time, datetime.time):
        errors["time"] = [_("请填写开始时间")]
    if not 15 <= int(duration_minutes or 0) <= 480:
        errors["duration_minutes"] = [_("时长应在15至480分钟之间")]
    if len(location or "") > WeeklySchedule._meta.get_field("location").max_length:
        errors["location"] = [_("内容过长")]
    if errors:
        raise ValidationError(errors)
    schedule = WeeklySchedule.objects.select_for_update().filter(requirement=requirement).first()
    if schedule is None:
        schedule = WeeklySchedule(requirement=requirement, created_by=actor)
    schedule.weekday = weekday
    schedule.time = time
    schedule.location = location or ""
    schedule.duration_minutes = duration_minutes
    schedule.active = active
    with one_entry(schedule, actor=actor, reason=_("安排协作例会")):
        schedule.save()
        schedule.attendees.set(attendees)
    return schedule


def _dates(schedule: WeeklySchedule, start: datetime.date, days: int) -> list[datetime.date]:
    first = start + datetime.timedelta(days=(schedule.weekday - start.weekday()) % 7)
    return [
        first + datetime.timedelta(weeks=n)
        for n in range(days // 7 + 1)
        if first + datetime.timedelta(weeks=n) <= start + datetime.timedelta(days=days)
    ]


def _skip_reason(day: datetime.date) -> str:
    from collab.notifications.models import WorkCalendarDay

    note = (
        WorkCalendarDay.objects.filter(date=day, is_workday=False)
        .values_list("note", flat=True)
        .first()
    )
    return _("非工作日（%(note)s）") % {"note": note} if note else _("非工作日")


def weekly_meetings_create(
    *,
    on: datetime.date | None = None,
    days: int | None = None,
    schedule_ids: Iterable[int] | None = None,
) -> list[WeeklyOccurrence]:
    """Create the occurrences of every active schedule of a running requirement from
    `on` (default today) to `days` days later. Idempotent: a date already handled (held
    or skipped) is left alone. Returns the occurrences created by this run."""
    on = on or timezone.localdate()
    days = days_ahead() if days is None else days
    counter = DayCounter(WORKING)
    created: list[WeeklyOccurrence] = []
    schedules = (
        WeeklySchedule.objects.filter(active=True, requirement__status="in_progress")
        .select_related("requirement", "requirement__coordinator", "created_by")
        .prefetch_related("attendees")
        .order_by("pk")
    )
    if schedule_ids is not None:
        schedules = schedules.filter(pk__in=list(schedule_ids))
    weekly_agendas_refresh(on=on, schedules=schedules)
    for schedule in schedules:
        for day in _dates(schedule, on, days):
            occurrence = _occurrence(schedule, day, counter)
            if occurrence is not None:
                created.append(occurrence)
    return created


def weekly_agendas_refresh(*, on: datetime.date, schedules=None) -> list[WeeklyOccurrence]:
    """Prefill again, from the tracker as it is now, the agenda of the weekly meetings
    held on `on` whose agenda nobody edited and whose minutes are not started. Returns
    the occurrences whose agenda changed."""
    from .selectors import agenda_suggestion

    occurrences = WeeklyOccurrence.objects.filter(date=on, meeting__isnull=False).filter(
        meeting__minutes="", meeting__published_at__isnull=True
    )
    if schedules is not None:
        occurrences = occurrences.filter(schedule__in=schedules)
    changed = []
    for occurrence in occurrences.select_related("meeting", "meeting__requirement"):
        meeting = occurrence.meeting
        if meeting.agenda != occurrence.prefilled_agenda:
            continue  # edited by a person: theirs to keep
        agenda = agenda_suggestion(meeting.requirement, MeetingKind.WEEKLY, on)
        if agenda == meeting.agenda:
            continue
        with transaction.atomic():
            meeting.agenda = agenda
            with one_entry(meeting, actor=None, reason=_("按当天跟踪表更新协作例会议程")):
                meeting.save(update_fields=["agenda", "updated_at"])
            occurrence.prefilled_agenda = agenda
            occurrence.save(update_fields=["prefilled_agenda"])
        changed.append(occurrence)
    return changed


def _organizer(schedule: WeeklySchedule):
    requirement = schedule.requirement
    leader = group_leader(requirement)
    if leader is not None and can_schedule(leader.user, requirement):
        return leader.user
    return requirement.coordinator


def _occurrence(schedule: WeeklySchedule, day: datetime.date, counter: DayCounter):
    if WeeklyOccurrence.objects.filter(schedule=schedule, date=day).exists():
        return None
    try:
        with transaction.atomic():
            if not counter.is_workday(day):
                return WeeklyOccurrence.objects.create(
                    schedule=schedule, date=day, skipped_reason=_skip_reason(day)
                )
            occurrence = WeeklyOccurrence.objects.create(schedule=schedule, date=day)
            held_at = timezone.make_aware(datetime.datetime.combine(day, schedule.time))
            occurrence.meeting = meeting_create(
                requirement=schedule.requirement,
                actor=_organizer(schedule),
                kind=MeetingKind.WEEKLY,
                held_at=held_at,
                attendees=list(schedule.attendees.all()),
                title=_("协作例会 %(date)s") % {"date": f"{day:%Y-%m-%d}"},
                location=schedule.location,
                rule=_("按协作例会安排自动创建"),
            )
            occurrence.prefilled_agenda = occurrence.meeting.agenda
            occurrence.save(update_fields=["meeting", "prefilled_agenda"])
            return occurrence
    except IntegrityError:  # another run created this date first
        return None
