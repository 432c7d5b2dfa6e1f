"""Day counting for alerts: calendar days (default) or working days.

Working days follow China's statutory holidays and make-up workdays (调休). The
calendar table stores only the exceptions to "Monday–Friday work": holidays falling on
weekdays and make-up workdays falling on weekends. Rows come from chinese-calendar for
the years it covers (filled on first use or by `manage.py fill_work_calendar`); for
later years admins enter them, and until they do the year counts weekends only and a
warning says so.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)

CALENDAR = "calendar"
WORKING = "working"


def counting_mode() -> str:
    mode = getattr(settings, "COLLAB_ALERT_DAY_COUNTING", CALENDAR)
    return WORKING if mode == WORKING else CALENDAR


def chinese_calendar_covers(year: int) -> bool:
    import chinese_calendar

    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def chinese_calendar_exceptions(year: int) -> list[tuple[datetime.date, bool, str]]:
    """(date, is_workday, note) for every day of `year` that differs from the weekend
    rule; raises NotImplementedError for years chinese-calendar does not cover."""
    import chinese_calendar

    day = datetime.date(year, 1, 1)
    rows = []
    while day.year == year:
        workday = chinese_calendar.is_workday(day)
        if workday != (day.weekday() < 5):
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            label = getattr(name, "chinese", None) or (str(name) if name else "")
            rows.append((day, workday, f"{label}调休上班" if workday else f"{label}放假"))
        day += datetime.timedelta(days=1)
    return rows


def fill_year(year: int) -> int:
    """Store chinese-calendar's exceptions for `year`; admin rows are kept as they are.
    Returns the number of rows written; raises NotImplementedError if not covered."""
    from .models import WorkCalendarDay

    rows = chinese_calendar_exceptions(year)
    created = WorkCalendarDay.objects.bulk_create(
        [
            WorkCalendarDay(
                date=day,
                is_workday=workday,
                note=note,
                source=WorkCalendarDay.Source.CHINESE_CALENDAR,
            )
            for day, workday, note in rows
        ],
        ignore_conflicts=True,
    )
    return len(created)


def years_without_data(years: Iterable[int]) -> list[int]:
    """Years that have neither chinese-calendar coverage nor any calendar rows."""
    from .models import WorkCalendarDay

    missing = []
    for year in sorted(set(years)):
        if chinese_calendar_covers(year):
            continue
        if not WorkCalendarDay.objects.filter(date__year=year).exists():
            missing.append(year)
    return missing


class DayCounter:
    """Adds and counts days in the configured mode. One instance per scan run; it
    loads the exception rows of the years it touches once."""

    def __init__(self, mode: str | None = None):
        self.mode = mode or counting_mode()
        self._exceptions: dict[datetime.date, bool] = {}
        self._years: set[int] = set()

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        from .models import WorkCalendarDay

        self._years.add(year)
        if not WorkCalendarDay.objects.filter(date__year=year).exists():
            try:
                fill_year(year)
            except NotImplementedError:
                logger.warning(
                    "No holiday data for %s: working days count weekends only until "
                    "admins enter the year's holidays in the work calendar.",
                    year,
                )
        for day, workday in WorkCalendarDay.objects.filter(date__year=year).values_list(
            "date", "is_workday"
        ):
            self._exceptions[day] = workday

    def is_workday(self, day: datetime.date) -> bool:
        if self.mode == CALENDAR:
            return True
        self._load(day.year)
        return self._exceptions.get(day, day.weekday() < 5)

    def shift(self, day: datetime.date, days: int) -> datetime.date:
        """The day `days` counted days after (negative: before) `day`."""
        if self.mode == CALENDAR:
            return day + datetime.timedelta(days=days)
        step = datetime.timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Counted days in (start, end]; negative when end is before start."""
        if self.mode == CALENDAR:
            return (end - start).days
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return sign * count

    def latest_end_over(self, today: datetime.date, days: int) -> datetime.date:
        """The latest date d with between(d, today) > days: anything ending on or before
        it is late by more than `days` counted days."""
        return (
            self.shift(today, -(days + 1)) if self.mode == CALENDAR else self._latest(today, days)
        )

    def _latest(self, today: datetime.date, days: int) -> datetime.date:
        # Walk back until more than `days` working days lie in (d, today].
        day = today
        while self.between(day, today) <= days:
            day -= datetime.timedelta(days=1)
        return day
