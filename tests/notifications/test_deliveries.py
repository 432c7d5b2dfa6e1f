"""Retries that outlast a 2-hour outage, permanent platform errors that stop at once and
mark the robot broken, rate limits with digest messages, and the sweep that leaves no
row waiting forever. Real HTTP receiver, eager Celery, time travelled."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from collab.notifications import ratelimit
from collab.notifications.models import (
    AlertKind,
    Delivery,
    DeliveryStatus,
    Notification,
    RobotConfig,
)
from collab.notifications.services import AlertSpec, alerts_raise, deliveries_sweep
from collab.notifications.tasks import CHANNEL_TASKS, flush_robot
from tests.conftest import require_redis

from .conftest import at
from .receiver import PERMANENT_ERRORS, SECRETS, TRANSIENT_ERRORS

pytestmark = pytest.mark.django_db


def robot_of(kind, org, receiver, **fields):
    return RobotConfig.objects.create(
        name=f"设计部{kind}",
        kind=kind,
        webhook_url=receiver.url(kind),
        secret=SECRETS.get(kind, ""),
        department=org["departments"]["DSN"],
        **fields,
    )


def raise_alerts(timeline, count, *, start=datetime.date(2024, 8, 5)):
    """`count` distinct alerts for task 2.1 (one per deadline), to its owner."""
    task, users = timeline["tasks"]["2.1"], timeline["users"]
    return alerts_raise(
        specs=[
            AlertSpec(
                kind=AlertKind.TASK_DUE_SOON,
                target=task,
                due_on=start + datetime.timedelta(days=n),
                recipients=[users["dsn_head"]],
                message=f"任务2.1 第{n + 1}条提醒",
                url=f"/tasks/{task.pk}/",
                robots=True,
            )
            for n in range(count)
        ]
    )


def run_until_final(delivery, *, heal_at=None, receiver=None):
    """Run the delivery's task at each stored next attempt, as the broker would."""
    task = CHANNEL_TASKS[delivery.channel]
    delivery.refresh_from_db()
    while delivery.status == DeliveryStatus.RETRYING:
        when = delivery.next_attempt_at
        if heal_at and when >= heal_at:
            receiver.fail, receiver.answers = set(), {}
        with time_machine.travel(when, tick=False):
            task.apply(args=[delivery.pk])
        delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom"])
def test_permanent_platform_error_fails_at_once_and_marks_the_robot_broken(
    kind, timeline, org, receiver, eager, django_capture_on_commit_callbacks, client
):
    robot = robot_of(kind, org, receiver)
    receiver.answers[kind] = PERMANENT_ERRORS[kind]
    with (
        time_machine.travel(at(2024, 8, 4, 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        raise_alerts(timeline, 1)
    delivery = Delivery.objects.get(robot=robot)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert len(receiver.by_robot(kind)) == 1  # no retries
    robot.refresh_from_db()
    code = str(PERMANENT_ERRORS[kind][1].get("errcode", PERMANENT_ERRORS[kind][1].get("code")))
    assert robot.is_broken and code in robot.broken_reason

    # The department head and the admins are told in their inbox, once.
    users = org["users"]
    for username in ("dsn_head", "admin"):
        notice = Notification.objects.get(recipient=users[username], kind="robot_broken")
        assert robot.name in notice.message and code in notice.message
    assert not Notification.objects.filter(recipient=users["dsn_liaison"], kind="robot_broken")

    # The robot page shows it broken with the platform's message; the admin counts it.
    client.force_login(users["dsn_head"])
    page = client.get(reverse("notifications:department_robots")).content.decode()
    assert "robot-broken" in page and code in page
    client.force_login(users["admin"])
    index = client.get(reverse("admin:index")).content.decode()
    assert "发送失败的提醒：1 条" in index

    # Saving corrected settings clears the mark.
    from collab.notifications.robots import department_robot_save

    department_robot_save(
        department=robot.department, actor=users["dsn_head"], data={"secret": "x"}, robot=robot
    )
    robot.refresh_from_db()
    assert not robot.is_broken


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom"])
def test_busy_platform_is_retried_after_its_penalty_and_then_sent(
    kind, timeline, org, receiver, eager, django_capture_on_commit_callbacks
):
    robot = robot_of(kind, org, receiver)
    receiver.answers[kind] = TRANSIENT_ERRORS[kind]
    start = at(2024, 8, 4, 8)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        raise_alerts(timeline, 1)
    delivery = Delivery.objects.get(robot=robot)
    assert delivery.status == DeliveryStatus.RETRYING
    # DingTalk blocks a robot for 10 minutes after too many messages: wait that out.
    minimum = {"dingtalk": 600, "feishu": 60, "wecom": 60}[kind]
    assert delivery.next_attempt_at >= start + datetime.timedelta(seconds=minimum)
    receiver.answers = {}
    delivery = run_until_final(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert [r.accepted for r in receiver.by_robot(kind)] == [False, True]
    robot.refresh_from_db()
    assert not robot.is_broken


def test_a_two_hour_outage_loses_nothing(
    timeline, org, receiver, eager, django_capture_on_commit_callbacks
):
    robots = [robot_of(kind, org, receiver) for kind in ("dingtalk", "webhook")]
    receiver.fail = {"dingtalk", "webhook"}
    start = at(2024, 8, 4, 8)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        raise_alerts(timeline, 1)
    for robot in robots:
        receiver.fail = {robot.kind}  # still down until two hours after the alert
        delivery = run_until_final(
            Delivery.objects.get(robot=robot),
            heal_at=start + datetime.timedelta(hours=2),
            receiver=receiver,
        )
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempts > 5  # capped exponential backoff, not one try an hour
    assert len([r for r in receiver.received if r.accepted]) == 2


def test_transient_failures_stop_after_the_retry_window_and_say_so(
    timeline, org, receiver, eager, django_capture_on_commit_callbacks, settings
):
    settings.COLLAB_ALERT_RETRY_HOURS = 3
    robot = robot_of("wecom", org, receiver)
    receiver.fail = {"wecom"}
    start = at(2024, 8, 4, 8)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        raise_alerts(timeline, 1)
    delivery = run_until_final(Delivery.objects.get(robot=robot))
    assert delivery.status == DeliveryStatus.FAILED
    last = delivery.attempt_log.order_by("-number").first()
    assert last.started_at <= start + datetime.timedelta(hours=3)
    assert last.started_at >= start + datetime.timedelta(hours=2)
    robot.refresh_from_db()
    assert robot.is_broken and "HTTP 500" in robot.broken_reason
    assert Notification.objects.filter(kind="robot_broken", recipient=org["users"]["dsn_head"])


def test_rate_limit_in_the_database_never_allows_more_than_the_window(settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = ""
    settings.COLLAB_ROBOT_RATE_REDIS_URL = ""
    robot_id = 990001
    RobotConfig.objects.create(
        pk=robot_id, name="x", kind="dingtalk", webhook_url="http://127.0.0.1:9/", scope_id=1
    )
    check_limits(robot_id)


def test_rate_limit_in_redis_never_allows_more_than_the_window(settings):
    url = require_redis()
    settings.COLLAB_ROBOT_RATE_REDIS_URL = url
    robot_id = 990002 + datetime.datetime.now().microsecond  # a fresh key per run
    check_limits(robot_id)


def check_limits(robot_id):
    start = at(2024, 8, 4, 8).timestamp()
    with time_machine.travel(start, tick=False) as traveller:
        granted = [ratelimit.take_token(robot_id, "dingtalk") for _ in range(21)]
        assert granted[:20] == [0.0] * 20
        assert granted[20] == pytest.approx(60, abs=0.01)
        traveller.shift(59.9)
        assert ratelimit.take_token(robot_id, "dingtalk") > 0
        traveller.shift(0.2)
        assert ratelimit.take_token(robot_id, "dingtalk") == 0
    # Feishu: 5 a second and 100 a minute.
    with time_machine.travel(start + 3600, tick=False) as traveller:
        burst = [ratelimit.take_token(robot_id, "feishu") for _ in range(6)]
        assert burst[:5] == [0.0] * 5 and 0 < burst[5] <= 1
        sent = 5
        for _second in range(30):
            traveller.shift(1.0)
            sent += sum(ratelimit.take_token(robot_id, "feishu") == 0 for _ in range(6))
        assert sent == 100  # the minute's 100 are used up after 20 seconds
        traveller.shift(1.0)
        assert ratelimit.take_token(robot_id, "feishu") > 0


def test_messages_over_the_rate_limit_go_out_as_one_digest(
    timeline, org, receiver, eager, django_capture_on_commit_callbacks, settings, client
):
    settings.COLLAB_ROBOT_RATE_LIMITS = {"dingtalk": "3/60"}
    settings.COLLAB_ROBOT_DIGEST_MAX_ITEMS = 5
    settings.REDIS_URL = settings.CELERY_BROKER_URL = ""
    robot = robot_of("dingtalk", org, receiver)
    start = at(2024, 8, 4, 8)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        raise_alerts(timeline, 12)
    rows = Delivery.objects.filter(robot=robot)
    assert rows.filter(status=DeliveryStatus.SENT).count() == 3
    waiting = rows.filter(status=DeliveryStatus.PENDING, next_attempt_at__isnull=False)
    assert waiting.count() == 9
    assert len(receiver.by_robot("dingtalk")) == 3

    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert flush_robot.apply(args=[robot.pk]).get() == "sent digest of 9"
    messages = receiver.by_robot("dingtalk")
    assert len(messages) == 4 and all(not m.problems for m in messages)
    digest = messages[-1]
    assert digest.is_digest
    lines = [line for line in digest.text.splitlines() if line.startswith("- 【")]
    # Newest first, at most 5 lines, then the rest counted, and a link to the full list.
    assert "第12条" in lines[0] and "第8条" in lines[4] and len(lines) == 5
    assert "另有 4 条" in digest.text
    lead = rows.exclude(status=DeliveryStatus.MERGED).order_by("-created_at", "-id").first()
    link = reverse("notifications:robot_digest", args=[lead.pk])
    assert link in digest.text
    assert rows.filter(status=DeliveryStatus.MERGED, merged_into=lead).count() == 8
    assert not rows.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])

    # The full list: for the robot's department, 404 for others.
    client.force_login(org["users"]["dsn_liaison"])
    page = client.get(link)
    assert page.status_code == 200
    assert page.content.decode().count("任务2.1 第") == 9
    client.force_login(org["users"]["sal_liaison"])
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_digest_page_runs_a_constant_number_of_queries(
    rows, timeline, org, receiver, client, django_assert_num_queries
):
    robot = robot_of("wecom", org, receiver)
    raise_alerts(timeline, rows)
    deliveries = list(Delivery.objects.filter(robot=robot).order_by("id"))
    lead = deliveries[-1]
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries[:-1]]).update(
        status=DeliveryStatus.MERGED, merged_into=lead
    )
    client.force_login(org["users"]["dsn_liaison"])
    client.get(reverse("notifications:robot_digest", args=[lead.pk]))
    with django_assert_num_queries(7):
        response = client.get(reverse("notifications:robot_digest", args=[lead.pk]))
    assert response.content.decode().count("任务2.1 第") == rows


def test_sweep_requeues_every_overdue_row_and_resolves_cut_off_sends(
    timeline, org, receiver, eager, django_capture_on_commit_callbacks, settings
):
    settings.COLLAB_ROBOT_RATE_LIMITS = {}
    users = timeline["users"]
    users["dsn_head"].email = "dsn_head@example.com"
    users["dsn_head"].save(update_fields=["email"])
    webhook = robot_of("webhook", org, receiver)
    dingtalk = robot_of("dingtalk", org, receiver)
    start = at(2024, 8, 4, 8)
    with time_machine.travel(start, tick=False):
        # The broker never saw these: queued-on-commit callbacks are dropped.
        alerts = raise_alerts(timeline, 6)
    rows = {
        (d.alert_id, d.channel): d
        for d in Delivery.objects.filter(alert__in=alerts).select_related("alert")
    }
    a = [alert.pk for alert in alerts]

    def set_state(alert_id, channel, **fields):
        Delivery.objects.filter(pk=rows[(alert_id, channel)].pk).update(**fields)

    # alert 0: pending, never queued. alert 1: retrying, its delayed retry lost.
    set_state(a[1], "dingtalk", status="retrying", attempts=1, next_attempt_at=start)
    # alert 2: cut off mid-send on every external channel; its inbox row was opted out.
    for channel in ("webhook", "dingtalk", "email"):
        set_state(a[2], channel, status="sending", attempts=1, claimed_at=start)
    Delivery.objects.filter(alert_id=a[2], channel="inbox").delete()
    # alert 3: retrying, not due yet. alert 4: sent. alert 5: failed.
    later = start + datetime.timedelta(hours=2)
    set_state(a[3], "dingtalk", status="retrying", attempts=1, next_attempt_at=later)
    Delivery.objects.filter(alert_id=a[4]).update(status="sent")
    Delivery.objects.filter(alert_id=a[5]).update(status="failed")
    untouched = Delivery.objects.filter(alert_id__in=a[3:]).exclude(
        alert_id=a[3], channel="dingtalk"
    )
    Delivery.objects.filter(alert_id=a[3]).exclude(channel="dingtalk").update(status="sent")

    with (
        time_machine.travel(start + datetime.timedelta(minutes=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        swept = deliveries_sweep()
    assert swept == {"unconfirmed": 1, "resent": 2, "requeued": 8}

    status = {(d.alert_id, d.channel): d.status for d in Delivery.objects.filter(alert__in=alerts)}
    for channel in ("inbox", "email", "webhook", "dingtalk"):
        assert status[(a[0], channel)] == status[(a[1], channel)] == "sent"
    assert status[(a[2], "webhook")] == status[(a[2], "email")] == "sent"
    assert status[(a[2], "dingtalk")] == "unconfirmed"
    # The inbox always has it, even though the person had no inbox row before.
    assert status[(a[2], "inbox")] == "sent"
    assert Notification.objects.filter(recipient=users["dsn_head"], message="任务2.1 第3条提醒")
    assert status[(a[3], "dingtalk")] == "retrying"
    assert {d.status for d in untouched} <= {"sent", "failed"}
    # Resent on the idempotency key the receiver deduplicates on.
    resent_webhook = [r for r in receiver.by_robot("webhook") if r.body["alert_id"] == a[2]]
    assert [r.delivery_id for r in resent_webhook] == [str(rows[(a[2], "webhook")].pk)]
    resent_mail = [m for m in mail.outbox if "第3条" in m.body]
    assert (
        resent_mail[0]
        .extra_headers["Message-ID"]
        .startswith(f"<alert-delivery-{rows[(a[2], 'email')].pk}@")
    )
    assert webhook.pk and dingtalk.pk
