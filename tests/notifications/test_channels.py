"""Every robot's real message format and signature, checked by a real HTTP receiver;
a failing channel never blocks the others; every attempt is logged."""

import base64
import hashlib
import hmac
import urllib.parse

import pytest
import time_machine
from django.core import mail

from collab.notifications import channels
from collab.notifications.models import AlertKind, Delivery, DeliveryAttempt, DeliveryStatus

from .conftest import at

pytestmark = pytest.mark.django_db


def test_signatures_match_the_published_examples():
    # DingTalk: HMAC-SHA256 keyed with the secret over "<ms>\n<secret>", base64, urlencoded.
    secret, ts = "SECabc", 1722650400000
    raw = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert channels.dingtalk_sign(secret, ts) == urllib.parse.quote_plus(base64.b64encode(raw))
    request = channels.dingtalk_request(
        "https://oapi.dingtalk.com/robot/send?access_token=t", secret, "hi", now=ts / 1000
    )
    assert request.url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1722650400000&sign="
    )
    assert request.body == b'{"msgtype":"text","text":{"content":"hi"}}'
    # Feishu: HMAC-SHA256 keyed with "<s>\n<secret>" over an empty message, base64.
    key = f"{1722650400}\nfs".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert channels.feishu_sign("fs", 1722650400) == expected
    body = channels.feishu_request("https://open.feishu.cn/x", "fs", "hi", now=1722650400).body
    assert body.decode() == (
        '{"timestamp":"1722650400","sign":"' + expected + '","msg_type":"text",'
        '"content":{"text":"hi"}}'
    )
    # WeCom: no signature, the key stays in the URL.
    wecom = channels.wecom_request("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "hi")
    assert wecom.url.endswith("?key=k")
    assert wecom.body == b'{"msgtype":"text","text":{"content":"hi"}}'


def test_due_reminder_reaches_every_robot_in_its_format(timeline, robots, receiver, scan):
    users = timeline["users"]
    users["dsn_head"].email = "dsn_head@example.com"
    users["dsn_head"].save(update_fields=["email"])

    scan(at(2024, 8, 4, 8, 0))  # before the 09:00 digest
    scan(at(2024, 8, 4, 8, 5))

    for kind in ("dingtalk", "feishu", "wecom", "webhook"):
        messages = receiver.by_robot(kind)
        assert len(messages) == 1, kind
        assert messages[0].problems == [], (kind, messages[0].problems)
        assert "2.1" in messages[0].text and "宣传物料制作" in messages[0].text
    assert receiver.by_robot("dingtalk")[0].text.startswith("【任务到期前1天提醒】")
    webhook = receiver.by_robot("webhook")[0].body
    assert webhook["kind"] == AlertKind.TASK_DUE_SOON
    assert webhook["due_on"] == "2024-08-05"
    assert webhook["object"] == {"type": "tasks_app.task", "id": timeline["tasks"]["2.1"].pk}
    assert [m.to for m in mail.outbox] == [["dsn_head@example.com"]]
    assert "任务到期前1天提醒" in mail.outbox[0].subject
    sent = Delivery.objects.filter(
        status=DeliveryStatus.SENT,
        alert__object_id=timeline["tasks"]["2.1"].pk,
        alert__kind=AlertKind.TASK_DUE_SOON,
    )
    assert sorted(sent.values_list("channel", flat=True)) == sorted(
        ["inbox", "inbox", "email", "dingtalk", "feishu", "wecom", "webhook"]
    )
    assert DeliveryAttempt.objects.filter(outcome="ok", delivery__in=sent).count() == 7


def test_user_channel_choices_are_honoured(timeline, robots, receiver, scan):
    from collab.notifications.models import ChannelPreference, Notification

    users = timeline["users"]
    for username in ("dsn_head", "dsn_liaison"):
        ChannelPreference.objects.create(user=users[username], inbox=False, robots=False)
    scan(at(2024, 8, 4, 8, 0))
    assert not Notification.objects.filter(kind=AlertKind.TASK_DUE_SOON).exists()
    # The task's own department robot still gets the task alert.
    assert len(receiver.by_robot("wecom")) == 1


def test_failing_channel_is_retried_and_never_blocks_the_others(
    timeline, robots, receiver, scan, eager
):
    from collab.notifications.tasks import deliver_feishu

    receiver.fail = {"feishu"}
    scan(at(2024, 8, 4, 8, 0))

    feishu = Delivery.objects.get(channel="feishu")
    # The retry waits for its backoff; the time is on the row, not only in the broker.
    assert feishu.status == DeliveryStatus.RETRYING
    assert feishu.next_attempt_at > at(2024, 8, 4, 8, 0)
    attempts = list(feishu.attempt_log.values_list("outcome", flat=True))
    assert attempts == ["error"]
    assert "HTTP 500" in feishu.last_error
    for kind in ("dingtalk", "wecom", "webhook"):
        assert Delivery.objects.get(channel=kind).status == DeliveryStatus.SENT
        assert len(receiver.by_robot(kind)) == 1
    inbox = Delivery.objects.filter(channel="inbox", alert=feishu.alert)
    assert [d.status for d in inbox] == [DeliveryStatus.SENT] * 2

    # The receiver heals; the retry falls due and sends.
    receiver.fail = set()
    with time_machine.travel(feishu.next_attempt_at, tick=False):
        assert deliver_feishu.apply(args=[feishu.pk]).get() == "sent"
    feishu.refresh_from_db()
    assert feishu.status == DeliveryStatus.SENT and feishu.attempts == 2
    assert len(receiver.by_robot("feishu")) == 1
