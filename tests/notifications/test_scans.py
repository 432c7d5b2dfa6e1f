"""The other schedules: risk past its planned resolution, minutes not published in 24
hours, requirement waiting in review, the daily digest; run_alerts is what beat runs."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from collab.notifications.models import Alert, AlertKind, Notification
from tests.factories import make_requirement

from .conftest import at, forget_events

pytestmark = pytest.mark.django_db


def kinds(user):
    """The reminders in a person's inbox (the events of the records made here aside)."""
    reminders = Notification.objects.filter(recipient=user, kind__in=AlertKind.values)
    return sorted(reminders.values_list("kind", flat=True))


def test_risk_past_planned_resolution_goes_to_owner_and_leader(timeline, scan):
    from risks_app.services import risk_create

    users = timeline["users"]
    with time_machine.travel(at(2024, 8, 6), tick=False):
        risk_create(
            requirement=timeline["requirement"],
            actor=users["mkt_head"],
            data={
                "kind": "issue",
                "description": "宣传物料设计不符合品牌规范",
                "impact": "high",
                "owner": users["dsn_head"],
                "occurred_on": datetime.date(2024, 8, 6),
                "planned_resolution": datetime.date(2024, 8, 7),
            },
        )
    scan(at(2024, 8, 7, 18), only=["risk_overdue"])
    assert not Alert.objects.filter(kind=AlertKind.RISK_OVERDUE).exists()
    scan(at(2024, 8, 8, 8), only=["risk_overdue"])
    scan(at(2024, 8, 8, 9), only=["risk_overdue"])
    for username in ("dsn_head", "mkt_head"):
        assert kinds(users[username]) == [AlertKind.RISK_OVERDUE]
    note = Notification.objects.get(recipient=users["mkt_head"], kind=AlertKind.RISK_OVERDUE)
    assert "宣传物料设计不符合品牌规范" in note.message and "2024-08-07" in note.message


def test_minutes_not_published_within_24_hours_go_to_the_organizer(timeline, scan):
    from meetings.services import meeting_create

    users = timeline["users"]
    with time_machine.travel(at(2024, 8, 1, 9), tick=False):
        meeting = meeting_create(
            requirement=timeline["requirement"],
            actor=users["mkt_head"],
            kind="weekly",
            held_at=at(2024, 8, 1, 10),
            title="协作例会",
        )
    scan(at(2024, 8, 2, 9, 55), only=["minutes_overdue"])
    assert not Alert.objects.filter(kind=AlertKind.MINUTES_OVERDUE).exists()
    scan(at(2024, 8, 2, 10, 5), only=["minutes_overdue"])
    scan(at(2024, 8, 2, 10, 10), only=["minutes_overdue"])
    alert = Alert.objects.get(kind=AlertKind.MINUTES_OVERDUE)
    assert alert.object_id == meeting.pk and alert.due_on == datetime.date(2024, 8, 1)
    assert kinds(users["mkt_head"]) == [AlertKind.MINUTES_OVERDUE]


def test_requirement_waiting_in_review_goes_to_the_coordinator(org, scan, settings):
    settings.COLLAB_ALERT_REVIEW_DAYS = 3
    with time_machine.travel(at(2024, 7, 1, 15), tick=False):
        requirement = make_requirement(org)
    forget_events()
    scan(at(2024, 7, 4, 9), only=["review_stale"])  # three days: not longer than three
    assert not Alert.objects.exists()
    scan(at(2024, 7, 5, 9), only=["review_stale"])
    scan(at(2024, 7, 6, 9), only=["review_stale"])
    alert = Alert.objects.get(kind=AlertKind.REVIEW_STALE)
    assert alert.object_id == requirement.pk and alert.due_on == datetime.date(2024, 7, 5)
    assert kinds(org["users"]["director"]) == [AlertKind.REVIEW_STALE]


def test_daily_digest_once_a_day_after_its_time_skipped_when_empty(timeline, scan, settings):
    settings.COLLAB_ALERT_DIGEST_TIME = "09:30"
    scan(at(2024, 8, 4, 9, 0), only=["daily_digest"])
    assert not Alert.objects.filter(kind=AlertKind.DAILY_DIGEST).exists()
    scan(at(2024, 8, 4, 9, 35), only=["daily_digest"])
    scan(at(2024, 8, 4, 17, 0), only=["daily_digest"])
    digests = Notification.objects.filter(kind=AlertKind.DAILY_DIGEST)
    by_user = {n.recipient.username: n.message for n in digests}
    # dsn_head: 2.1 due tomorrow; sal_liaison: 3.1 overdue; nobody else has anything.
    assert sorted(by_user) == ["dsn_head", "sal_liaison"]
    assert "即将到期：任务 2.1" in by_user["dsn_head"]
    assert "已逾期：任务 3.1" in by_user["sal_liaison"] and "已延迟 5 天" in by_user["sal_liaison"]
    scan(at(2024, 8, 5, 9, 35), only=["daily_digest"])
    assert Notification.objects.filter(kind=AlertKind.DAILY_DIGEST).count() == 4


def test_digest_lists_pending_review_signoffs(org, scan):
    make_requirement(org)
    scan(at(2026, 11, 24, 10), only=["daily_digest"])
    heads = Notification.objects.filter(kind=AlertKind.DAILY_DIGEST)
    names = {n.recipient.username for n in heads}
    assert {"director", "mkt_head", "prd_head", "sal_head"} <= names
    assert "待签字：需求" in heads.get(recipient=org["users"]["prd_head"]).message


def test_run_alerts_runs_what_beat_runs(timeline, eager, django_capture_on_commit_callbacks):
    from collab.notifications.tasks import run_alert_scans

    entry = settings.CELERY_BEAT_SCHEDULE["alerts-scan"]
    assert entry["task"] == run_alert_scans.name
    assert entry["options"]["expires"] > 0
    out = io.StringIO()
    with (
        time_machine.travel(at(2024, 8, 4, 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("run_alerts", stdout=out)
    assert "task_due_soon (任务到期前1天提醒): 1" in out.getvalue()
    assert Notification.objects.filter(kind=AlertKind.TASK_DUE_SOON).count() == 2
    with (
        time_machine.travel(at(2024, 8, 4, 8, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert run_alert_scans.apply().get() == 0  # the beat task: nothing new


def test_demo_alerts_is_idempotent(org, eager):
    out = io.StringIO()
    call_command("demo_alerts", stdout=out)
    call_command("demo_alerts", stdout=out)
    assert "already present" in out.getvalue()
    from tasks_app.models import Task

    assert Task.objects.filter(requirement__topic__startswith="演示").count() == 2
