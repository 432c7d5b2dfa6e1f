"""Calendar feeds parse as RFC 5545 with the icalendar library: the right events, stable
UIDs, Asia/Shanghai times; the token is private, regenerable and revoked on
deactivation."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from calendars.models import CalendarFeed
from calendars.services import calendar_feed_get
from meetings.services import meeting_create, meeting_update
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.tasks_app.conftest import make_task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(org):
    users = org["users"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    task = make_task(
        org,
        requirement,
        "1",
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 10),
    )
    other = make_task(org, requirement, "2", owner="sal_liaison")
    meeting = meeting_create(
        requirement=requirement,
        actor=users["mkt_head"],
        kind="kickoff",
        held_at=datetime.datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI),
        title="启动会",
        location="3楼大会议室",
        attendees=[users["prd_liaison"], users["sal_liaison"]],
    )
    # A second requirement waits for the review signature of 产品部's head.
    pending = make_requirement(org, topic="待评审的协作")
    return {
        "requirement": requirement,
        "task": task,
        "other": other,
        "meeting": meeting,
        "pending": pending,
    }


def _events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    assert calendar["version"] == "2.0" and calendar["prodid"]
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _feed(client, user) -> bytes:
    token = calendar_feed_get(user=user).token
    response = client.get(reverse("calendars:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


def test_personal_feed_has_tasks_meetings_with_stable_uids(org, world, client):
    users = org["users"]
    body = _feed(client, users["prd_liaison"])
    calendar = Calendar.from_ical(body)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = _events(body)
    task, meeting = world["task"], world["meeting"]
    assert set(events) == {f"task-{task.pk}-due@collab", f"meeting-{meeting.pk}@collab"}
    due = events[f"task-{task.pk}-due@collab"]
    assert due.decoded("dtstart") == datetime.date(2026, 12, 10)
    assert "1 任务1" in str(due["summary"])
    held = events[f"meeting-{meeting.pk}@collab"]
    start = held.decoded("dtstart")
    assert start == datetime.datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert held["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert held.decoded("dtend") - start == datetime.timedelta(hours=1)
    assert str(held["location"]) == "3楼大会议室"
    assert str(held["url"]).endswith(f"/meetings/{meeting.pk}/")
    assert f"/meetings/{meeting.pk}/" in str(held["description"])
    # An update keeps the UID, so subscribed calendars replace the event.
    meeting_update(meeting=meeting, actor=users["mkt_head"], data={"location": "线上"})
    again = _events(_feed(client, users["prd_liaison"]))
    assert str(again[f"meeting-{meeting.pk}@collab"]["location"]) == "线上"
    assert set(again) == set(events)


def test_signoffs_waiting_appear_until_signed(org, world, client):
    head = org["users"]["prd_head"]
    events = _events(_feed(client, head))
    waiting = [e for e in events.values() if str(e["summary"]).startswith("[待签字]")]
    assert len(waiting) == 1 and world["pending"].number in str(waiting[0]["summary"])
    assert waiting[0].decoded("dtstart") == timezone.localdate()
    assert set(_events(_feed(client, head))) == set(events)


def test_token_is_regenerable_and_revoked_on_deactivation(org, world, client, api):
    user = org["users"]["prd_liaison"]
    old = calendar_feed_get(user=user).token
    client.force_login(user)
    page = client.get(reverse("calendars:page")).content.decode()
    assert old in page
    assert f"/calendar/requirement/{world['requirement'].pk}/{old}.ics" in page
    client.post(reverse("calendars:regenerate"))
    client.logout()
    assert client.get(reverse("calendars:feed", args=[old])).status_code == 404
    new = CalendarFeed.objects.get(user=user).token
    assert new != old and client.get(reverse("calendars:feed", args=[new])).status_code == 200
    assert client.get(reverse("calendars:feed", args=["x" * 43])).status_code == 404
    answer = api.as_user(user).get("/api/v1/calendar-feed/").json()
    assert answer["url"].endswith(f"/calendar/feed/{new}.ics")
    assert [r["requirement"] for r in answer["requirements"]] == [world["requirement"].pk]
    regenerated = api.as_user(user).post("/api/v1/calendar-feed/regenerate/").json()
    assert new not in regenerated["url"]
    newest = CalendarFeed.objects.get(user=user).token
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not CalendarFeed.objects.filter(user=user).exists()
    assert client.get(reverse("calendars:feed", args=[newest])).status_code == 404


def test_requirement_feed_for_group_members_only(org, world, client):
    requirement = world["requirement"]
    token = calendar_feed_get(user=org["users"]["sal_liaison"]).token
    url = reverse("calendars:requirement_feed", args=[requirement.pk, token])
    events = _events(client.get(url).content)
    assert {
        f"task-{world['task'].pk}-due@collab",
        f"task-{world['other'].pk}-due@collab",
        f"meeting-{world['meeting'].pk}@collab",
        f"requirement-{requirement.pk}-end@collab",
    } == set(events)
    assert (
        events[f"requirement-{requirement.pk}-end@collab"].decoded("dtstart")
        == requirement.end_date
    )
    outsider = calendar_feed_get(user=org["users"]["ops_staff"]).token
    answer = client.get(reverse("calendars:requirement_feed", args=[requirement.pk, outsider]))
    assert answer.status_code == 404


def test_meeting_invitation_download(org, world, client):
    meeting = world["meeting"]
    client.force_login(org["users"]["sal_liaison"])
    assert (
        reverse("calendars:meeting", args=[meeting.pk])
        in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )
    response = client.get(reverse("calendars:meeting", args=[meeting.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting.pk}@collab"
    attendees = event["attendee"]
    assert {a.params["CN"] for a in attendees} == {
        org["users"]["prd_liaison"].label,
        org["users"]["sal_liaison"].label,
    }
    assert event["organizer"].params["CN"] == org["users"]["mkt_head"].label
    client.force_login(org["users"]["ops_staff"])
    assert client.get(reverse("calendars:meeting", args=[meeting.pk])).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_feed_queries_are_constant(org, world, client, rows, django_assert_num_queries):
    users = org["users"]
    requirement = world["requirement"]
    for index in range(rows):
        make_task(org, requirement, f"9.{index + 1}")
        meeting_create(
            requirement=requirement,
            actor=users["mkt_head"],
            kind="daily",
            held_at=datetime.datetime(2026, 12, 16, 9, 0, tzinfo=SHANGHAI)
            + datetime.timedelta(days=index),
            attendees=[users["prd_liaison"]],
        )
    token = calendar_feed_get(user=users["prd_liaison"]).token
    url = reverse("calendars:feed", args=[token])
    client.get(url)  # content types and the work calendar cached, as in a running process
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(url)
    assert len(_events(response.content)) == 2 * rows + 2


# The token's owner, the tasks, the meetings, and the to-do sources (a fixed number
# of queries each).
FEED_QUERIES = 12
