"""One alert per (kind, object, deadline); a redelivered or duplicated delivery task
never sends twice; a delivery cut off mid-send is flagged, not resent."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from collab.notifications.models import (
    Alert,
    AlertKind,
    Delivery,
    DeliveryStatus,
    Notification,
)
from collab.notifications.services import AlertSpec, alerts_raise, deliveries_sweep
from collab.notifications.tasks import deliver_dingtalk, deliver_inbox, deliver_webhook
from tests.conftest import require_postgres

from .conftest import at

pytestmark = pytest.mark.django_db


def spec_for(task, recipients, due_on=None):
    return AlertSpec(
        kind=AlertKind.TASK_DUE_SOON,
        target=task,
        due_on=due_on or task.planned_end,
        recipients=recipients,
        message=f"{task.code} due",
        requirement_id=task.requirement_id,
        departments=[task.owner_department_id],
    )


def test_raising_the_same_alert_twice_records_and_delivers_once(
    timeline, eager, django_capture_on_commit_callbacks
):
    task, users = timeline["tasks"]["2.1"], timeline["users"]
    with django_capture_on_commit_callbacks(execute=True):
        first = alerts_raise(specs=[spec_for(task, [users["dsn_head"]])] * 2)
    with django_capture_on_commit_callbacks(execute=True):
        second = alerts_raise(specs=[spec_for(task, [users["dsn_head"]])])
    assert len(first) == 1 and second == []
    assert Alert.objects.count() == 1
    assert Notification.objects.filter(recipient=users["dsn_head"]).count() == 1
    # Another deadline is another alert (re-armed).
    with django_capture_on_commit_callbacks(execute=True):
        third = alerts_raise(
            specs=[spec_for(task, [users["dsn_head"]], due_on=datetime.date(2024, 8, 12))]
        )
    assert len(third) == 1
    assert Notification.objects.filter(recipient=users["dsn_head"]).count() == 2


def test_a_redelivered_task_stops_at_a_sent_row(timeline, robots, receiver, scan, eager):
    scan(at(2024, 8, 4, 8, 0))
    webhook = Delivery.objects.get(channel="webhook")
    inbox = Delivery.objects.filter(channel="inbox", alert__kind=AlertKind.TASK_DUE_SOON).first()
    assert webhook.status == inbox.status == DeliveryStatus.SENT
    # The broker hands the same messages out again (lost ack, visibility timeout).
    assert deliver_webhook.apply(args=[webhook.pk]).get() == "already handled"
    assert deliver_inbox.apply(args=[inbox.pk]).get() == "already handled"
    assert len(receiver.by_robot("webhook")) == 1
    assert Notification.objects.filter(recipient=inbox.recipient, alert=inbox.alert).count() == 1
    webhook.refresh_from_db()
    assert webhook.attempts == 1


def test_a_delivery_cut_off_mid_send_is_never_resent_automatically(
    timeline, robots, receiver, eager, django_capture_on_commit_callbacks
):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    task = timeline["tasks"]["2.1"]
    with time_machine.travel(at(2024, 8, 4, 8, 0), tick=False):
        # Queue nothing yet: the worker "died" right after claiming the row.
        alerts_raise(specs=[spec_for(task, [timeline["users"]["dsn_head"]])])
        delivery = Delivery.objects.get(channel="dingtalk")
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENDING, attempts=1, claimed_at=at(2024, 8, 4, 8, 0)
        )
        # The broker redelivers the task to a fresh worker: it stops at the claimed row.
        assert deliver_dingtalk.apply(args=[delivery.pk]).get() == "already handled"
    assert receiver.by_robot("dingtalk") == []

    with time_machine.travel(at(2024, 8, 4, 8, 30), tick=False):
        swept = deliveries_sweep()
    assert swept["unconfirmed"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNCONFIRMED

    # An admin checks the group chat and resends from the admin.
    admin_user = timeline["users"]["admin"]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin = site._registry[Delivery]
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.resend(request, Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(receiver.by_robot("dingtalk")) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_raise_each_alert_once(timeline, eager):
    require_postgres()
    from collab.notifications.alerts import run_all

    barrier = threading.Barrier(4)
    errors = []

    def beat():
        try:
            barrier.wait()
            run_all(now=at(2024, 8, 4, 8, 0), only=["task_due_soon"])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(at(2024, 8, 4, 8, 0), tick=False):
        threads = [threading.Thread(target=beat) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert Alert.objects.filter(kind=AlertKind.TASK_DUE_SOON).count() == 1
    users = timeline["users"]
    for username in ("dsn_head", "dsn_liaison"):
        assert Delivery.objects.filter(recipient=users[username], channel="inbox").count() == 1
