"""The standing weekly meeting (协作例会): schedule, occurrences ahead, holidays skipped,
agenda from the tracker."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from meetings.models import Meeting, MeetingKind, WeeklyOccurrence, WeeklySchedule
from meetings.recurring import weekly_meetings_create, weekly_schedule_save
from meetings.tasks import create_weekly_meetings
from tests.tasks_app.conftest import make_task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
MONDAY = datetime.datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def tracked(org, running):
    users = org["users"]
    make_task(org, running, "1", planned_start=D(2026, 12, 1), planned_end=D(2026, 12, 10))
    make_task(org, running, "2", planned_start=D(2026, 12, 20), planned_end=D(2027, 1, 7))
    make_task(org, running, "3", planned_start=D(2027, 2, 1), planned_end=D(2027, 2, 10))
    return weekly_schedule_save(
        requirement=running,
        actor=users["mkt_head"],
        weekday=4,  # Friday
        time=datetime.time(10, 0),
        location="3楼会议室",
        attendees=[users["prd_liaison"], users["sal_liaison"]],
    )


def test_occurrences_are_created_ahead_skipping_holidays(org, tracked):
    with time_machine.travel(MONDAY, tick=False):
        created = weekly_meetings_create(days=14)
        assert [(o.date, bool(o.meeting_id)) for o in created] == [
            (D(2027, 1, 1), False),  # 元旦
            (D(2027, 1, 8), True),
        ]
        assert "非工作日" in created[0].skipped_reason
        meeting = created[1].meeting
        assert meeting.kind == MeetingKind.WEEKLY
        assert meeting.held_at == datetime.datetime(2027, 1, 8, 10, 0, tzinfo=SHANGHAI)
        assert meeting.location == "3楼会议室"
        assert meeting.organizer == org["users"]["mkt_head"]
        assert {u.username for u in meeting.attendees.all()} == {"prd_liaison", "sal_liaison"}
        agenda = meeting.agenda
        assert "协作例会 2027-01-04 ~ 2027-01-10" in agenda
        assert "延期任务（1）" in agenda and "1 任务1" in agenda
        assert "本周到期任务（1）" in agenda and "2 任务2" in agenda
        assert "3 任务3" not in agenda
        # Minutes and the 24-hour rule are those of every meeting.
        assert meeting.publish_deadline == meeting.held_at + datetime.timedelta(hours=24)
        # A second run (or a second beat) creates nothing again.
        assert weekly_meetings_create(days=14) == []
        assert create_weekly_meetings.apply().get() == 0
    assert Meeting.objects.filter(requirement=tracked.requirement).count() == 1
    assert WeeklyOccurrence.objects.filter(schedule=tracked).count() == 2


def test_command_and_inactive_schedules(org, tracked):
    tracked.active = False
    tracked.save(update_fields=["active"])
    out = io.StringIO()
    call_command("create_weekly_meetings", "--date", "2027-01-04", "--days", "7", stdout=out)
    assert out.getvalue() == ""
    tracked.active = True
    tracked.save(update_fields=["active"])
    with time_machine.travel(MONDAY, tick=False):
        call_command("create_weekly_meetings", "--date", "2027-01-04", "--days", "7", stdout=out)
    assert "2027-01-08 meeting" in out.getvalue()


def test_schedule_api_and_permissions(org, running, api):
    users = org["users"]
    url = f"/api/v1/requirements/{running.pk}/weekly-schedule/"
    leader = api.as_user(users["mkt_head"])
    assert leader.get(url).status_code == 404
    body = {
        "weekday": 1,
        "time": "15:30",
        "location": "线上",
        "attendees": [users["prd_liaison"].pk],
    }
    answer = leader.post(url, body, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["weekday"] == 1 and answer.json()["time"] == "15:30"
    assert leader.post(url, {**body, "weekday": 9}, format="json").status_code == 400
    assert leader.post(url, {**body, "duration_minutes": 5}, format="json").status_code == 400
    liaison = api.as_user(users["prd_liaison"])
    assert liaison.get(url).json()["location"] == "线上"
    assert liaison.post(url, {**body, "location": "改"}, format="json").status_code == 403
    outsider = api.as_user(users["ops_staff"])
    assert outsider.get(url).status_code == 404
    assert WeeklySchedule.objects.get(requirement=running).location == "线上"


def test_schedule_page(org, running, client):
    users = org["users"]
    url = reverse("meetings:weekly_schedule", args=[running.pk])
    client.force_login(users["mkt_head"])
    assert (
        reverse("meetings:weekly_schedule", args=[running.pk])
        in client.get(reverse("meetings:requirement", args=[running.pk])).content.decode()
    )
    answer = client.post(url, {"weekday": "2", "time": "", "duration_minutes": "60"})
    assert "请填写开始时间" in answer.content.decode()
    assert not WeeklySchedule.objects.exists()
    answer = client.post(
        url,
        {
            "weekday": "2",
            "time": "09:30",
            "duration_minutes": "60",
            "location": "A座",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    assert WeeklySchedule.objects.get(requirement=running).time == datetime.time(9, 30)
    client.force_login(users["prd_liaison"])
    page = client.get(url).content.decode()
    assert "weekly-schedule-form" not in page and "A座" in page
    assert client.post(url, {"weekday": "3", "time": "10:00"}).status_code == 403
    client.force_login(users["ops_staff"])
    assert client.get(url).status_code == 404


def test_agenda_is_prefilled_again_on_the_meetings_day_unless_edited(org, tracked):
    """Created on Monday for Friday; by Friday morning task 2 has become late, so the
    06:00 run prefills the agenda again, as long as nobody edited it."""
    with time_machine.travel(MONDAY, tick=False):
        [_skipped, occurrence] = weekly_meetings_create(days=14)
    meeting = occurrence.meeting
    assert "延期任务（1）" in meeting.agenda
    friday = datetime.datetime(2027, 1, 8, 6, 0, tzinfo=SHANGHAI)
    with time_machine.travel(friday, tick=False):
        # task 2 ended on Thursday the 7th and is still open; the run also creates
        # the next week's meeting
        assert create_weekly_meetings.apply().get() == 1
    meeting.refresh_from_db()
    assert "延期任务（2）" in meeting.agenda and "2 任务2" in meeting.agenda
    assert meeting.history.latest().history_change_reason == "按当天跟踪表更新协作例会议程"

    # An agenda a person edited is theirs: it is not replaced.
    other = WeeklySchedule.objects.get(pk=tracked.pk)
    meeting.agenda += "\n4. 下季度预算"
    meeting.save(update_fields=["agenda"])
    make_task(org, other.requirement, "4", planned_start=D(2027, 1, 1), planned_end=D(2027, 1, 5))
    with time_machine.travel(friday, tick=False):
        weekly_meetings_create(days=14)
    meeting.refresh_from_db()
    assert meeting.agenda.endswith("4. 下季度预算") and "4 任务4" not in meeting.agenda


def test_agenda_is_not_prefilled_again_once_minutes_are_started(org, tracked):
    with time_machine.travel(MONDAY, tick=False):
        [_skipped, occurrence] = weekly_meetings_create(days=14)
    meeting = occurrence.meeting
    before = meeting.agenda
    meeting.minutes = "会议开始，逐项过进度。"
    meeting.save(update_fields=["minutes"])
    with time_machine.travel(datetime.datetime(2027, 1, 8, 6, 0, tzinfo=SHANGHAI), tick=False):
        weekly_meetings_create(days=14)
    meeting.refresh_from_db()
    assert meeting.agenda == before
