"""Personal work notices through the delivery machinery, against the platform fakes."""

import json
import urllib.parse

import pytest

from collab.identity.models import PlatformAccount
from collab.notifications.deliveries import queue_for
from collab.notifications.events import notify_event
from collab.notifications.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
)
from collab.notifications.services import delivery_send

pytestmark = pytest.mark.django_db


def choose(user, channel, platform, external_id):
    PlatformAccount.objects.create(user=user, platform=platform, external_id=external_id)
    ChannelPreference.objects.update_or_create(user=user, defaults={"work_notice": channel})


def mention(django_capture_on_commit_callbacks, user, actor):
    """An event for `user` (their deliveries are planned, not sent)."""
    with django_capture_on_commit_callbacks(execute=False):
        alert = notify_event(
            "user_mentioned",
            target=user,
            actor=actor,
            url="/requirements/7/",
            params={"where": "需求 2024-MKT-001", "excerpt": "请确认物料"},
            people=[user],
        )
    return alert


def personal_row(alert, channel) -> Delivery:
    return Delivery.objects.get(alert=alert, channel=channel)


def test_dingtalk_work_notice(org, platforms, django_capture_on_commit_callbacks):
    dt = platforms["dingtalk"]
    dt.users = [{"userid": "ding-mkt", "dept_id_list": [2]}]
    user = org["users"]["mkt_staff"]
    choose(user, Channel.DINGTALK_WORK, "dingtalk", "ding-mkt")
    alert = mention(django_capture_on_commit_callbacks, user, org["users"]["mkt_head"])
    row = personal_row(alert, Channel.DINGTALK_WORK)
    assert queue_for(row.channel) == "robot-dingtalk"
    assert delivery_send(delivery_id=row.pk) == "sent"
    (sent,) = dt.sent
    assert sent["agent_id"] == 1001 and sent["userid_list"] == "ding-mkt"
    card = sent["msg"]["action_card"]
    assert sent["msg"]["msgtype"] == "action_card" and "请确认物料" in card["markdown"]
    link = urllib.parse.urlsplit(card["single_url"])
    assert link.scheme == "dingtalk" and link.path == "/page/link"
    opened = urllib.parse.parse_qs(link.query)
    assert opened["url"] == ["http://127.0.0.1:8000/requirements/7/"]
    assert opened["pc_slide"] == ["true"]
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 1


def test_feishu_message_with_expired_token(org, platforms, django_capture_on_commit_callbacks):
    fs = platforms["feishu"]
    fs.users = [{"user_id": "fs-prd", "department_ids": []}]
    user = org["users"]["prd_liaison"]
    choose(user, Channel.FEISHU_MESSAGE, "feishu", "fs-prd")
    first = mention(django_capture_on_commit_callbacks, user, None)
    assert delivery_send(delivery_id=personal_row(first, Channel.FEISHU_MESSAGE).pk) == "sent"
    fs.expire_tokens()
    second = mention(django_capture_on_commit_callbacks, user, None)
    assert delivery_send(delivery_id=personal_row(second, Channel.FEISHU_MESSAGE).pk) == "sent"
    assert fs.token_requests == 2
    assert len(fs.sent) == 2
    body = fs.sent[1]
    assert body["receive_id_type"] == "user_id" and body["receive_id"] == "fs-prd"
    card = json.loads(body["content"])
    button = card["elements"][1]["actions"][0]
    assert button["url"].startswith("https://applink.feishu.cn/client/web_url/open?")
    assert "127.0.0.1%3A8000%2Frequirements%2F7%2F" in button["url"]


def test_wecom_app_message_and_errors(org, platforms, django_capture_on_commit_callbacks):
    wc = platforms["wecom"]
    wc.users = [{"userid": "wc-sal", "department": [2]}]
    user = org["users"]["sal_liaison"]
    choose(user, Channel.WECOM_APP, "wecom", "wc-sal")

    # Rate limited by WeCom (45009): retried after the platform's pause.
    wc.send_errors = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    alert = mention(django_capture_on_commit_callbacks, user, None)
    row = personal_row(alert, Channel.WECOM_APP)
    from collab.notifications.deliveries import RetryLater

    with pytest.raises(RetryLater) as later:
        delivery_send(delivery_id=row.pk)
    assert later.value.seconds >= 60
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRYING and "45009" in row.last_error
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert delivery_send(delivery_id=row.pk) == "sent"
    (sent,) = wc.sent
    assert sent["msgtype"] == "textcard" and sent["agentid"] == 1000002
    assert sent["textcard"]["url"] == "http://127.0.0.1:8000/requirements/7/"
    assert list(DeliveryAttempt.objects.filter(delivery=row).values_list("outcome", flat=True)) == [
        "error",
        "ok",
    ]

    # The person left the app's visible range: 81013 fails at once, no retry.
    wc.users = []
    alert = mention(django_capture_on_commit_callbacks, user, None)
    row = personal_row(alert, Channel.WECOM_APP)
    assert delivery_send(delivery_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED and "81013" in row.last_error


def test_dingtalk_unknown_user_fails_and_busy_retries(
    org, platforms, django_capture_on_commit_callbacks
):
    dt = platforms["dingtalk"]
    user = org["users"]["dsn_head"]
    choose(user, Channel.DINGTALK_WORK, "dingtalk", "ding-gone")
    alert = mention(django_capture_on_commit_callbacks, user, None)
    row = personal_row(alert, Channel.DINGTALK_WORK)
    assert delivery_send(delivery_id=row.pk) == "failed"
    row.refresh_from_db()
    assert "33012" in row.last_error
    dt.users = [{"userid": "ding-gone", "dept_id_list": [2]}]
    dt.send_errors = [(503, {})]
    alert = mention(django_capture_on_commit_callbacks, user, None)
    row = personal_row(alert, Channel.DINGTALK_WORK)
    from collab.notifications.deliveries import RetryLater

    with pytest.raises(RetryLater):
        delivery_send(delivery_id=row.pk)
    assert not dt.sent


def test_no_platform_account_no_personal_row(org, platforms, django_capture_on_commit_callbacks):
    user = org["users"]["ops_staff"]
    ChannelPreference.objects.create(user=user, work_notice=Channel.DINGTALK_WORK)
    alert = mention(django_capture_on_commit_callbacks, user, None)
    assert not Delivery.objects.filter(alert=alert, channel=Channel.DINGTALK_WORK).exists()


def test_choosing_in_preferences_page_and_api(client, api, org):
    user = org["users"]["tec_staff"]
    client.force_login(user)
    data = {"inbox": "on", "email": "on", "work_notice": Channel.FEISHU_MESSAGE}
    page = client.post("/notifications/preferences/", data)
    assert page.status_code == 200
    assert "尚未关联飞书" in page.content.decode()
    assert not ChannelPreference.objects.filter(user=user, work_notice__gt="").exists()
    answer = api.as_user(user).patch(
        "/api/v1/notifications/preferences/", {"work_notice": "feishu_msg"}, format="json"
    )
    assert answer.status_code == 400 and "work_notice" in answer.json()
    PlatformAccount.objects.create(user=user, platform="feishu", external_id="fs-tec")
    assert client.post("/notifications/preferences/", data).status_code == 302
    assert ChannelPreference.objects.get(user=user).work_notice == "feishu_msg"
    answer = api.as_user(user).patch(
        "/api/v1/notifications/preferences/", {"work_notice": ""}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["work_notice"] == ""
