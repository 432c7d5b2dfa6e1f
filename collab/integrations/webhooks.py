"""Event webhooks for other systems.

Every event (notifications.events: changes and reminders alike) whose kind a
subscription lists becomes one delivery row for it (channel `webhook`, queue
`notify`), sent, retried and logged by the notification delivery machinery. The POST:

    Content-Type: application/json; charset=utf-8
    X-Collab-Event: <kind>
    X-Collab-Delivery: <delivery id>          (the same on every retry: deduplicate on it)
    X-Collab-Timestamp: <unix seconds>
    X-Collab-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

Any 2xx answer is success; anything else, or no answer, is retried with backoff until
COLLAB_ALERT_RETRY_HOURS after the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.utils import timezone

from collab.notifications import channels
from collab.notifications.deliveries import deliveries_dispatch
from collab.notifications.models import Alert, Channel, Delivery
from collab.notifications.outgoing import kind_label, site_url

from .events import WEBHOOK_TEST
from .models import WebhookSubscription


def subscribable_kinds() -> list[str]:
    from collab.notifications.events import EVENT_TYPES

    return [kind for kind in EVENT_TYPES if kind != WEBHOOK_TEST]


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, f"{kind_label(kind)} ({kind})") for kind in subscribable_kinds()]


def planned_rows(alerts: Sequence[Alert]) -> list[Delivery]:
    """Delivery rows of the active subscriptions to these new alerts (one query)."""
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    return [
        Delivery(alert=alert, channel=Channel.WEBHOOK, subscription=subscription)
        for alert in alerts
        if alert.kind != WEBHOOK_TEST
        for subscription in subscriptions
        if alert.kind in subscription.kinds
    ]


def document(delivery: Delivery) -> dict:
    alert = delivery.alert
    params = alert.params or {}
    return {
        "id": str(delivery.pk),
        "event": alert.kind,
        "event_label": kind_label(alert.kind),
        "occurred_at": alert.created_at.isoformat(),
        "message": alert.message,
        "url": site_url(alert.url) if alert.url else "",
        "object": {
            "type": f"{alert.content_type.app_label}.{alert.content_type.model}",
            "id": alert.object_id,
        },
        "requirement": {"number": params["number"], "topic": params.get("topic", "")}
        if params.get("number")
        else None,
        "test": alert.kind == WEBHOOK_TEST,
    }


def send(delivery: Delivery) -> str:
    subscription = delivery.subscription
    if not subscription.is_active:
        raise channels.PermanentChannelError("subscription is inactive")
    request = channels.webhook_request(
        subscription.url, subscription.secret, document(delivery), delivery_id=delivery.pk
    )
    request.headers["X-Collab-Event"] = delivery.alert.kind
    return channels.post(request, kind="webhook")


@transaction.atomic
def subscription_save(*, subscription: WebhookSubscription, actor) -> WebhookSubscription:
    """Create or change a subscription (admin or API)."""
    from django.core.exceptions import PermissionDenied

    if not actor.is_staff:
        raise PermissionDenied
    subscription.full_clean()
    subscription._history_user = actor
    subscription.save()
    return subscription


@transaction.atomic
def subscription_send_test(*, subscription: WebhookSubscription, actor) -> Delivery:
    """Send a test event to this subscription alone (even an inactive one's URL is
    not called: it fails at once, saying so)."""
    from collab.notifications.events import default_params
    from collab.notifications.services import AlertSpec, alerts_raise

    params = {**default_params(None, actor), "name": subscription.name}
    spec = AlertSpec(
        kind=WEBHOOK_TEST,
        target=subscription,
        due_on=timezone.localdate(),
        recipients=[],
        message="",
        robots=False,
        params=params,
        occurrence=uuid.uuid4().hex,
    )
    (alert,) = alerts_raise(specs=[spec])
    delivery = Delivery.objects.create(
        alert=alert, channel=Channel.WEBHOOK, subscription=subscription
    )
    transaction.on_commit(partial(deliveries_dispatch, deliveries=[(delivery.pk, Channel.WEBHOOK)]))
    return delivery
