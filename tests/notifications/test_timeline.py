"""Time travel through the seed's timeline (Asia/Shanghai)."""

import datetime

import pytest

from collab.notifications.models import Alert, AlertKind, Delivery, Notification

from .conftest import at

pytestmark = pytest.mark.django_db


def alerts_for(task, kind):
    return Alert.objects.filter(kind=kind, object_id=task.pk, content_type__model="task")


def inbox(user, kind, code=""):
    notes = Notification.objects.filter(recipient=user, kind=kind)
    return [n for n in notes if f"任务 {code}" in n.message]


def test_3_1_reminded_on_july_29_not_before(timeline, scan):
    task, users = timeline["tasks"]["3.1"], timeline["users"]
    scan(at(2024, 7, 28))
    assert not alerts_for(task, AlertKind.TASK_DUE_SOON).exists()

    scan(at(2024, 7, 29, 8, 30))
    alert = alerts_for(task, AlertKind.TASK_DUE_SOON).get()
    assert alert.due_on == datetime.date(2024, 7, 30)
    # The owner is also 销售部's liaison: one message, not two.
    notes = inbox(users["sal_liaison"], AlertKind.TASK_DUE_SOON)
    assert len(notes) == 1
    assert "3.1" in notes[0].message and "2024-07-30" in notes[0].message
    # 2.1 (ends 08-05) is not due yet.
    assert not alerts_for(timeline["tasks"]["2.1"], AlertKind.TASK_DUE_SOON).exists()


def test_2_1_reminded_on_august_4_to_owner_and_liaison_once(timeline, scan):
    task, users = timeline["tasks"]["2.1"], timeline["users"]
    scan(at(2024, 8, 3, 23, 59))
    assert not alerts_for(task, AlertKind.TASK_DUE_SOON).exists()

    scan(at(2024, 8, 4, 0, 5))
    scan(at(2024, 8, 4, 9, 0))  # a later beat the same day
    scan(at(2024, 8, 5, 9, 0))  # and on the due day itself
    assert alerts_for(task, AlertKind.TASK_DUE_SOON).count() == 1
    owner_notes = inbox(users["dsn_head"], AlertKind.TASK_DUE_SOON)
    liaison_notes = inbox(users["dsn_liaison"], AlertKind.TASK_DUE_SOON)
    assert len(owner_notes) == 1 and len(liaison_notes) == 1
    assert "2.1" in owner_notes[0].message and "宣传物料制作" in owner_notes[0].message
    due_soon = alerts_for(task, AlertKind.TASK_DUE_SOON)
    assert Delivery.objects.filter(alert__in=due_soon, status="sent").count() == 2


def test_2_1_late_over_two_days_after_august_7_then_escalated(timeline, scan, settings):
    settings.COLLAB_ALERT_ESCALATION_DAYS = 2
    task, users = timeline["tasks"]["2.1"], timeline["users"]
    scan(at(2024, 8, 7, 18, 0))  # two days late: not yet "over two days"
    assert not alerts_for(task, AlertKind.TASK_LATE).exists()

    scan(at(2024, 8, 8, 9, 0))
    late = alerts_for(task, AlertKind.TASK_LATE).get()
    assert late.due_on == datetime.date(2024, 8, 5)
    leader_notes = inbox(users["mkt_head"], AlertKind.TASK_LATE, "2.1")
    assert len(leader_notes) == 1
    assert "已延迟 3 天" in leader_notes[0].message
    assert not inbox(users["director"], AlertKind.TASK_ESCALATION, "2.1")

    scan(at(2024, 8, 9, 9, 0))
    assert not alerts_for(task, AlertKind.TASK_ESCALATION).exists()
    scan(at(2024, 8, 10, 9, 0))  # still late two more days: to the coordinator
    scan(at(2024, 8, 10, 9, 5))
    escalations = inbox(users["director"], AlertKind.TASK_ESCALATION, "2.1")
    assert len(escalations) == 1 and "2.1" in escalations[0].message
    assert alerts_for(task, AlertKind.TASK_LATE).count() == 1


def test_moving_planned_end_rearms_the_reminder(timeline, scan):
    from tasks_app.services import task_reschedule

    task, users = timeline["tasks"]["2.1"], timeline["users"]
    scan(at(2024, 8, 4))
    assert len(inbox(users["dsn_head"], AlertKind.TASK_DUE_SOON)) == 1
    with __import__("time_machine").travel(at(2024, 8, 4, 12), tick=False):
        task_reschedule(
            task=task,
            actor=users["mkt_head"],
            planned_start=task.planned_start,
            planned_end=datetime.date(2024, 8, 12),
        )
    scan(at(2024, 8, 8))  # no longer late: the new end is in the future
    assert not alerts_for(task, AlertKind.TASK_LATE).exists()
    scan(at(2024, 8, 11))
    assert list(
        alerts_for(task, AlertKind.TASK_DUE_SOON)
        .order_by("due_on")
        .values_list("due_on", flat=True)
    ) == [datetime.date(2024, 8, 5), datetime.date(2024, 8, 12)]
    assert len(inbox(users["dsn_head"], AlertKind.TASK_DUE_SOON)) == 2


def test_late_task_opens_issue_and_drafts_special_meeting(timeline, scan):
    from meetings.models import Meeting

    task = timeline["tasks"]["2.1"]
    scan(at(2024, 8, 8))
    scan(at(2024, 8, 8, 9, 5))
    late = alerts_for(task, AlertKind.TASK_LATE).get()
    meetings = Meeting.objects.filter(kind="special", subject_id=task.pk)
    assert meetings.count() == 1, late.note
    meeting = meetings.get()
    assert meeting.organizer == timeline["users"]["mkt_head"]
    assert meeting.published_at is None
    # Raised on Thursday 2024-08-08: drafted for the next working day at 10:00.
    assert meeting.held_at == at(2024, 8, 9, 10)
    from risks_app.models import Risk

    issue = Risk.objects.get(task=task)
    assert "任务2.1延迟超2天" in issue.description
    assert issue.kind == "issue"


def test_dry_run_lists_without_recording(timeline, eager):
    import io

    import time_machine
    from django.core.management import call_command

    out = io.StringIO()
    with time_machine.travel(at(2024, 8, 4), tick=False):
        call_command("run_alerts", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "task_due_soon" in text and "宣传物料制作" in text and "dsn_head" in text
    assert not Alert.objects.exists()
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_special_meeting_raised_on_a_friday_is_drafted_for_monday(timeline, scan):
    from meetings.models import Meeting

    task = timeline["tasks"]["2.1"]
    scan(at(2024, 8, 9, 18))  # Friday evening: first scan after the task became late
    meeting = Meeting.objects.get(kind="special", subject_id=task.pk)
    assert meeting.held_at == at(2024, 8, 12, 10)
