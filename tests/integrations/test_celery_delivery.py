"""A real Celery worker against Redis sends one event as a DingTalk work notice (on the
`robot-dingtalk` lane, to the DingTalk fake) and as a signed event webhook (on the
`notify` lane, to a real receiver). Needs PostgreSQL (the worker reads the test
database the test commits to) and Redis (this test uses database 14 on that server)."""

from __future__ import annotations

import os
import urllib.parse

import pytest

from collab.identity.models import PlatformAccount
from collab.integrations.models import WebhookSubscription
from collab.notifications.events import notify_event
from collab.notifications.models import Channel, ChannelPreference, Delivery, DeliveryStatus
from tests.conftest import require_postgres, require_redis
from tests.integration.test_celery_alerts import Celery, database_url, wait_for

from .fakes import CREDENTIALS
from .webhook_receiver import SECRET, WebhookReceiver


def broker_url() -> str:
    parsed = urllib.parse.urlsplit(require_redis())
    return urllib.parse.urlunsplit(parsed._replace(path="/14"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_sends_work_notice_and_webhook(org, platforms, tmp_path, celery_broker):
    require_postgres()
    broker = broker_url()
    celery_broker(broker)
    platforms["dingtalk"].users = [{"userid": "ding-dsn", "dept_id_list": [2]}]
    user = org["users"]["dsn_liaison"]
    PlatformAccount.objects.create(user=user, platform="dingtalk", external_id="ding-dsn")
    ChannelPreference.objects.create(user=user, work_notice=Channel.DINGTALK_WORK, email=False)
    receiver = WebhookReceiver()
    WebhookSubscription.objects.create(
        name="ERP", url=receiver.url, secret=SECRET, kinds=["user_mentioned"]
    )
    app_key, app_secret = CREDENTIALS["dingtalk"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "COLLAB_ALERT_SCAN_ON_WORKER_START": "0",
        "COLLAB_DINGTALK_CLIENT_ID": app_key,
        "COLLAB_DINGTALK_CLIENT_SECRET": app_secret,
        "COLLAB_DINGTALK_AGENT_ID": "1001",
        "COLLAB_DINGTALK_OAPI_BASE": platforms.base("dingtalk"),
    }
    env.pop("TEST_DATABASE_NAME", None)
    celery = Celery(tmp_path, env)
    try:
        celery.start(
            "worker",
            "worker",
            "-Q",
            "notify,robot-dingtalk",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "integrations@%h",
        )
        alert = notify_event(
            "user_mentioned",
            target=user,
            url="/requirements/9/",
            params={"where": "需求", "excerpt": "请看"},
            people=[user],
        )
        wait_for(
            lambda: platforms["dingtalk"].sent and receiver.hits,
            timeout=90,
            what="the work notice and the webhook\n" + celery.log("worker"),
        )
        wait_for(
            lambda: not Delivery.objects.filter(alert=alert)
            .exclude(status=DeliveryStatus.SENT)
            .exists(),
            timeout=30,
            what="both deliveries recorded as sent",
        )
    finally:
        celery.stop_all()
        receiver.close()
    (notice,) = platforms["dingtalk"].sent
    assert notice["userid_list"] == "ding-dsn"
    (hit,) = receiver.hits
    assert hit.valid and hit.headers["x-collab-event"] == "user_mentioned"
    channels = set(Delivery.objects.filter(alert=alert).values_list("channel", flat=True))
    assert channels == {Channel.INBOX, Channel.DINGTALK_WORK, Channel.WEBHOOK}
