"""Day counting for alerts: calendar days (default) or working days.

Working days follow China's statutory holidays and make-up workdays (调休). The
calendar table stores only the exceptions to "Monday–Friday work": holidays falling on
weekdays and make-up workdays falling on weekends. A year's rows come, in this order of
preference, from the State Council's notice imported by an admin (admin › 工作日历 ›
导入放假通知, or `manage.py import_holiday_notice`), from chinese-calendar for the years
it covers, or, for later years, from the statutory rules themselves (全国年节及纪念日
放假办法 as amended in 2024, in force from 2025): 元旦 1 day, 春节 4 days (除夕 to 初三),
清明 1 day (the solar term), 劳动节 2 days, 端午 1 day, 中秋 1 day, 国庆 3 days, and a
holiday falling on a weekend is made up on the next working day (补假). Lunar dates and
the solar term come from lunar-python. The swaps of the yearly notice (调休上班) cannot
be derived from the rules: until the notice is imported the admin page, the system
check and the log warn that make-up working days are unknown.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _

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


def _lunar_date(year: int, month: int, day: int) -> datetime.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> datetime.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> list[tuple[datetime.date, str]]:
    """The days off by law in `year` (rules in force from 2025), with the make-up day
    (补假) for each holiday that falls on a Saturday or Sunday; no 调休 swaps."""
    day = datetime.timedelta(days=1)
    spring = _lunar_date(year, 1, 1)
    blocks = [
        ("元旦", [datetime.date(year, 1, 1)]),
        ("春节", [spring - day, spring, spring + day, spring + 2 * day]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [datetime.date(year, 5, 1), datetime.date(year, 5, 2)]),
        ("端午节", [_lunar_date(year, 5, 5)]),
        ("中秋节", [_lunar_date(year, 8, 15)]),
        ("国庆节", [datetime.date(year, 10, d) for d in (1, 2, 3)]),
    ]
    holidays: dict[datetime.date, str] = {}
    for name, days in blocks:
        for holiday in days:
            holidays.setdefault(holiday, name)
    for name, days in sorted(blocks, key=lambda block: block[1][0]):
        owed = sum(1 for holiday in days if holiday.weekday() >= 5)
        candidate = max(days)
        while owed:
            candidate += day
            if candidate.weekday() < 5 and candidate not in holidays:
                holidays[candidate] = f"{name}补假"
                owed -= 1
    return sorted((d, name) for d, name in holidays.items() if d.year == year)


def fill_statutory(year: int) -> int:
    """Store the statutory holidays of `year` that fall on weekdays (source: statute);
    rows already there are kept. Returns the number of rows written."""
    from .models import WorkCalendarDay

    created = WorkCalendarDay.objects.bulk_create(
        [
            WorkCalendarDay(
                date=day,
                is_workday=False,
                note=f"{name}放假（按法定规则推算，调休未知）",
                source=WorkCalendarDay.Source.STATUTE,
            )
            for day, name in statutory_holidays(year)
            if day.weekday() < 5
        ],
        ignore_conflicts=True,
    )
    return len(created)


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


def _sourced(year: int) -> set[str]:
    from .models import WorkCalendarDay

    return set(WorkCalendarDay.objects.filter(date__year=year).values_list("source", flat=True))


def years_without_notice(years: Iterable[int]) -> list[int]:
    """Years whose make-up working days (调休) are unknown: chinese-calendar does not
    cover them and no State Council notice was imported."""
    from .models import WorkCalendarDay

    missing = []
    for year in sorted(set(years)):
        if chinese_calendar_covers(year):
            continue
        if WorkCalendarDay.Source.NOTICE not in _sourced(year):
            missing.append(year)
    return missing


def ensure_year(year: int) -> str:
    """Make sure `year` has calendar rows: the imported notice, else chinese-calendar,
    else the statutory rules. Returns the source the year uses."""
    from .models import WorkCalendarDay

    Source = WorkCalendarDay.Source
    sources = _sourced(year)
    for source in (Source.NOTICE, Source.CHINESE_CALENDAR, Source.STATUTE):
        if source in sources:
            return source
    try:
        fill_year(year)
        return Source.CHINESE_CALENDAR
    except NotImplementedError:
        fill_statutory(year)
        logger.warning(
            "No holiday notice for %s: statutory holidays are computed from the rules and "
            "make-up working days (调休) are unknown until admins import the notice.",
            year,
        )
        return Source.STATUTE


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
        ensure_year(year)
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


DAY_OFF = {"休", "放假", "假"}
DAY_ON = {"班", "上班", "调休上班"}


class NoticeError(ValueError):
    """A notice that cannot be imported; `errors` says which lines and why."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def parse_notice(text: str, *, year: int | None = None) -> list[tuple[datetime.date, bool, str]]:
    """Lines "2027-01-01 休 元旦" or "2027-02-06,班" (comma, tab or spaces) -> (date,
    is_workday, note). Raises NoticeError listing every bad line; all dates must lie in
    one year (`year` when given)."""
    import re

    rows, errors, seen = [], [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [p for p in re.split(r"[,，\t ]+", line, maxsplit=2) if p]
        if len(parts) < 2:
            errors.append(_("第%(line)s行：应为“日期 休/班 [说明]”") % {"line": number})
            continue
        try:
            day = datetime.date.fromisoformat(parts[0].replace("/", "-"))
        except ValueError:
            errors.append(
                _("第%(line)s行：日期“%(value)s”无效，应为 YYYY-MM-DD")
                % {"line": number, "value": parts[0]}
            )
            continue
        if parts[1] in DAY_OFF:
            workday = False
        elif parts[1] in DAY_ON:
            workday = True
        else:
            errors.append(
                _("第%(line)s行：“%(value)s”应为“休”或“班”") % {"line": number, "value": parts[1]}
            )
            continue
        if year is not None and day.year != year:
            errors.append(
                _("第%(line)s行：%(day)s 不在 %(year)s 年")
                % {"line": number, "day": day, "year": year}
            )
            continue
        if day in seen:
            errors.append(_("第%(line)s行：%(day)s 重复") % {"line": number, "day": day})
            continue
        seen.add(day)
        note = parts[2].strip() if len(parts) > 2 else (_("调休上班") if workday else _("放假"))
        rows.append((day, workday, note[:100]))
    if not rows and not errors:
        errors.append(_("通知中没有任何日期"))
    years = {day.year for day, _w, _n in rows}
    if len(years) > 1:
        errors.append(
            _("一次只能导入一年的通知，文件中包含 %(years)s")
            % {"years": "、".join(map(str, sorted(years)))}
        )
    if errors:
        raise NoticeError(errors)
    return rows
