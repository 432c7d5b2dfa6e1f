"""Event webhooks: subscriptions in the API and the admin, signed deliveries to a real
receiver on 127.0.0.1, retries, the delivery log and the test event."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from collab.integrations.models import WebhookSubscription
from collab.notifications.deliveries import RetryLater
from collab.notifications.events import notify_event
from collab.notifications.models import Alert, Delivery, DeliveryStatus
from collab.notifications.services import delivery_send

from .webhook_receiver import SECRET, WebhookReceiver

pytestmark = pytest.mark.django_db

URL = "/api/v1/integrations/webhooks/"


@pytest.fixture
def receiver():
    running = WebhookReceiver()
    yield running
    running.close()


def subscribe(receiver, kinds=("user_mentioned",), **extra) -> WebhookSubscription:
    fields = {"name": "ERP", "url": receiver.url, "secret": SECRET, "kinds": list(kinds)}
    return WebhookSubscription.objects.create(**{**fields, **extra})


def raise_event(capture, user, kind="user_mentioned"):
    with capture(execute=False):
        return notify_event(
            kind,
            target=user,
            url="/requirements/3/",
            params={"where": "需求", "excerpt": "hello"},
            people=[user],
        )


def test_api_manages_subscriptions_staff_only(api, org, receiver):
    admin, staff = org["users"]["admin"], org["users"]["mkt_head"]
    assert api.as_user(staff).get(URL).status_code == 403
    body = {
        "name": "ERP",
        "url": receiver.url,
        "secret": SECRET,
        "kinds": ["user_mentioned", "member_left"],
        "is_active": True,
    }
    assert api.as_user(staff).post(URL, body, format="json").status_code == 403
    client = api.as_user(admin)
    bad = client.post(URL, {**body, "kinds": ["nope"], "secret": "short"}, format="json")
    assert bad.status_code == 400 and {"kinds", "secret"} <= set(bad.json())
    assert not WebhookSubscription.objects.exists()
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    assert "secret" not in created.json()
    pk = created.json()["id"]
    detail = client.get(f"{URL}{pk}/")
    assert detail.status_code == 200 and detail["ETag"]
    changed = client.patch(
        f"{URL}{pk}/", {"is_active": False}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    stale = client.patch(
        f"{URL}{pk}/", {"is_active": True}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert stale.status_code == 412
    assert WebhookSubscription.objects.get().secret == SECRET


@pytest.mark.parametrize("rows", [5, 50])
def test_list_and_log_query_counts(api, org, receiver, rows, django_assert_num_queries):
    subscription = subscribe(receiver)
    for index in range(rows - 1):
        subscribe(receiver, name=f"S{index}")
    client = api.as_user(org["users"]["admin"])
    with django_assert_num_queries(3):  # token with its user, count, page
        assert client.get(URL + "?page_size=100").json()["count"] == rows
    user = org["users"]["prd_head"]
    for index in range(rows):
        alert = Alert.objects.create(
            kind="user_mentioned",
            content_type=ContentType.objects.get_for_model(user),
            object_id=user.pk,
            due_on="2026-01-01",
            occurrence=str(index),
            message="m",
            batch="00000000-0000-0000-0000-000000000000",
        )
        Delivery.objects.create(alert=alert, channel="webhook", subscription=subscription)
    with django_assert_num_queries(4):  # token with its user, subscription, count, page
        log = client.get(f"{URL}{subscription.pk}/deliveries/?page_size=100").json()
    assert log["count"] == rows and log["results"][0]["event"] == "user_mentioned"


def test_events_are_signed_and_retried(org, receiver, django_capture_on_commit_callbacks):
    wanted = subscribe(receiver)
    subscribe(receiver, kinds=["member_left"])  # another kind: not told
    subscribe(receiver, is_active=False)  # inactive: not told
    user = org["users"]["dsn_liaison"]
    alert = raise_event(django_capture_on_commit_callbacks, user)
    (row,) = Delivery.objects.filter(alert=alert, subscription__isnull=False)
    assert row.subscription == wanted and row.channel == "webhook"

    receiver.fail_next = 1
    with pytest.raises(RetryLater):
        delivery_send(delivery_id=row.pk)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRYING and "HTTP 500" in row.last_error
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert delivery_send(delivery_id=row.pk) == "sent"

    first, second = receiver.hits
    assert first.valid and second.valid
    assert second.headers["x-collab-event"] == "user_mentioned"
    assert first.headers["x-collab-delivery"] == second.headers["x-collab-delivery"] == str(row.pk)
    assert second.body["event"] == "user_mentioned"
    assert second.body["url"] == "http://127.0.0.1:8000/requirements/3/"
    assert second.body["object"] == {"type": "accounts.user", "id": user.pk}
    assert second.body["test"] is False


def test_wrong_secret_is_refused_by_the_receiver(org, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret="another-secret-value-xx")
    alert = raise_event(django_capture_on_commit_callbacks, org["users"]["dsn_liaison"])
    row = Delivery.objects.get(alert=alert, subscription=subscription)
    with pytest.raises(RetryLater):
        delivery_send(delivery_id=row.pk)
    assert receiver.hits[0].valid is False


def test_admin_form_log_and_test_button(
    admin_client, org, receiver, django_capture_on_commit_callbacks
):
    page = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {"name": "BI", "url": receiver.url, "secret": "short", "kinds": ["user_mentioned"]},
    )
    assert page.status_code == 200 and not WebhookSubscription.objects.exists()
    answer = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "BI",
            "url": receiver.url,
            "secret": SECRET,
            "kinds": ["user_mentioned", "member_left"],
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.kinds == ["user_mentioned", "member_left"]
    change = f"/admin/integrations/webhooksubscription/{subscription.pk}/change/"
    assert "send-test-event" in admin_client.get(change).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = admin_client.post(
            f"/admin/integrations/webhooksubscription/{subscription.pk}/send-test/"
        )
    assert answer.status_code == 302 and callbacks
    row = Delivery.objects.get(subscription=subscription)
    assert delivery_send(delivery_id=row.pk) == "sent"
    (hit,) = receiver.hits
    assert hit.valid and hit.headers["x-collab-event"] == "webhook_test"
    assert hit.body["test"] is True and "BI" in hit.body["message"]
    log = admin_client.get(change).content.decode()
    assert 'id="delivery-log"' in log and "webhook_test" in log and "已发送" in log
    assert (
        admin_client.get(
            f"/admin/integrations/webhooksubscription/{subscription.pk}/send-test/"
        ).status_code
        == 405
    )


def test_api_test_event(api, org, receiver):
    subscription = subscribe(receiver)
    answer = api.as_user(org["users"]["admin"]).post(f"{URL}{subscription.pk}/test/")
    assert answer.status_code == 202 and answer.json()["event"] == "webhook_test"
    assert (
        api.as_user(org["users"]["mkt_head"]).post(f"{URL}{subscription.pk}/test/").status_code
        == 403
    )
    assert json.loads(json.dumps(answer.json()))["status"] == "pending"
