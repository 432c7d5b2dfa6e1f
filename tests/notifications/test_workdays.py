"""Calendar or working days (China's statutory holidays and 调休), and the fallback for
years chinese-calendar does not cover."""

import datetime

import pytest
from django.core.checks import run_checks

from collab.notifications.models import AlertKind, WorkCalendarDay
from collab.notifications.workdays import DayCounter, chinese_calendar_covers

from .conftest import at

D = datetime.date
pytestmark = pytest.mark.django_db


def test_working_days_skip_national_day_and_count_make_up_sunday():
    days = DayCounter("working")
    # 2024-10-01..07 National Day; Sun 09-29 and Sat 10-12 are make-up workdays.
    assert days.between(D(2024, 9, 30), D(2024, 10, 10)) == 3
    assert days.is_workday(D(2024, 9, 29))
    assert not days.is_workday(D(2024, 10, 3))
    assert days.shift(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert days.shift(D(2024, 9, 30), 1) == D(2024, 10, 8)
    # Anything ending on or before 10-07 (a holiday) is 3 working days late on 10-10.
    assert days.latest_end_over(D(2024, 10, 10), 2) == D(2024, 10, 7)
    # The exceptions were stored once, editable in the admin.
    assert WorkCalendarDay.objects.filter(date=D(2024, 10, 3), is_workday=False).exists()
    assert WorkCalendarDay.objects.get(date=D(2024, 9, 29)).is_workday
    calendar = DayCounter("calendar")
    assert calendar.between(D(2024, 9, 30), D(2024, 10, 10)) == 10


def test_late_alert_counts_working_days_when_configured(timeline, scan, settings):
    from tasks_app.services import task_reschedule

    settings.COLLAB_ALERT_DAY_COUNTING = "working"
    task = timeline["tasks"]["2.1"]
    import time_machine

    with time_machine.travel(at(2024, 9, 1), tick=False):
        task_reschedule(
            task=task,
            actor=timeline["users"]["mkt_head"],
            planned_start=task.planned_start,
            planned_end=D(2024, 9, 30),
        )
    scan(at(2024, 10, 7), only=["task_late"])  # 7 calendar days, 0 working days late
    assert not task_alerts(task, AlertKind.TASK_LATE)
    scan(at(2024, 10, 9), only=["task_late"])  # 2 working days late
    assert not task_alerts(task, AlertKind.TASK_LATE)
    scan(at(2024, 10, 10), only=["task_late"])
    assert task_alerts(task, AlertKind.TASK_LATE) == [D(2024, 9, 30)]


def task_alerts(task, kind):
    from collab.notifications.models import Alert

    return list(
        Alert.objects.filter(kind=kind, object_id=task.pk, content_type__model="task").values_list(
            "due_on", flat=True
        )
    )


def test_uncovered_year_counts_statutory_holidays_and_warns_about_makeup_days(settings, caplog):
    year = 2027
    assert not chinese_calendar_covers(year)
    settings.COLLAB_ALERT_DAY_COUNTING = "working"
    with caplog.at_level("WARNING"):
        counter = DayCounter()
        # 2027-01-01 is a Friday and New Year's Day: not a working day.
        assert not counter.is_workday(D(year, 1, 1))
    assert "make-up working days (调休) are unknown" in caplog.text
    assert WorkCalendarDay.objects.filter(date=D(year, 1, 1), source="statute").exists()
    # National Day: Fri 1, Sat 2, Sun 3 -> Saturday and Sunday are made up Mon 4, Tue 5.
    assert [counter.is_workday(D(year, 10, d)) for d in range(1, 7)] == [
        False, False, False, False, False, True,
    ]  # fmt: skip
    warnings = [m for m in run_checks() if m.id == "notifications.W001"]
    assert warnings and "2027" in warnings[0].msg and "调休" in warnings[0].msg

    # A single admin correction counts at once.
    WorkCalendarDay.objects.create(date=D(year, 10, 7), is_workday=False, note="国庆节放假")
    assert not DayCounter().is_workday(D(year, 10, 7))


def test_fill_command_reports_uncovered_years():
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    call_command("fill_work_calendar", "2025", "2027", stdout=out, stderr=err)
    assert "2025:" in out.getvalue()
    assert "2027" in err.getvalue()
    assert WorkCalendarDay.objects.filter(date__year=2025, source="chinese_calendar").count() > 20


def test_admin_warns_about_years_without_holiday_data(client, org, settings):
    settings.COLLAB_ALERT_DAY_COUNTING = "working"
    client.force_login(org["users"]["admin"])
    response = client.get("/admin/notifications/workcalendarday/", follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2027" in text and "调休上班日未知" in text
