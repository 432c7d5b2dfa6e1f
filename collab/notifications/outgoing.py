"""What goes out: the text of an alert in a reader's language, the request of a group
robot or signed webhook (one alert, or a digest of several), the webhook document and
the fixed Message-ID of an e-mail."""

from __future__ import annotations

import urllib.parse

from django.conf import settings

from . import channels
from .digests import digest_markdown, digest_url
from .models import Alert, Channel, Delivery, RobotConfig


def site_url(path: str) -> str:
    base = getattr(settings, "COLLAB_SITE_URL", "").rstrip("/")
    return f"{base}{path}" if path.startswith("/") else path


def kind_label(kind: str) -> str:
    from .messages import kind_label as label

    return label(kind)


def alert_text(alert: Alert, language: str = "") -> str:
    """The message of an alert in `language` (the site's when empty)."""
    from .messages import render_in

    label, message = render_in(language, alert.kind, alert.params, alert.message)
    link = f"\n{site_url(alert.url)}" if alert.url else ""
    return f"【{label}】{message}{link}"


def webhook_document(delivery: Delivery) -> dict:
    alert = delivery.alert
    return {
        "event": "alert",
        "alert_id": alert.pk,
        "delivery_id": delivery.pk,
        "kind": alert.kind,
        "kind_label": kind_label(alert.kind),
        "message": alert.message,
        "url": site_url(alert.url) if alert.url else "",
        "due_on": alert.due_on.isoformat(),
        "object": {
            "type": f"{alert.content_type.app_label}.{alert.content_type.model}",
            "id": alert.object_id,
        },
        "created_at": alert.created_at.isoformat(),
    }


def message_id(delivery_id: int) -> str:
    """A fixed Message-ID per delivery: a resent e-mail is recognisably the same one."""
    host = urllib.parse.urlsplit(site_url("/")).hostname or "collab.localhost"
    return f"<alert-delivery-{delivery_id}@{host}>"


def robot_request(delivery: Delivery, robot: RobotConfig, digest: list[Alert] | None):
    kind = delivery.channel
    if digest:
        from django.utils import translation

        with translation.override(robot.language or settings.LANGUAGE_CODE):
            title, text = digest_markdown(delivery, digest)
        if kind == Channel.DINGTALK:
            return channels.dingtalk_markdown_request(robot.webhook_url, robot.secret, title, text)
        if kind == Channel.FEISHU:
            return channels.feishu_markdown_request(robot.webhook_url, robot.secret, title, text)
        if kind == Channel.WECOM:
            return channels.wecom_markdown_request(robot.webhook_url, text)
        document = {
            "event": "digest",
            "delivery_id": delivery.pk,
            "count": len(digest),
            "url": digest_url(delivery.pk),
            "alerts": [
                {"alert_id": a.pk, "kind": a.kind, "message": a.message, "url": site_url(a.url)}
                for a in digest
            ],
        }
        return channels.webhook_request(
            robot.webhook_url, robot.secret, document, delivery_id=delivery.pk
        )
    text = alert_text(delivery.alert, robot.language)
    if kind == Channel.DINGTALK:
        return channels.dingtalk_request(robot.webhook_url, robot.secret, text)
    if kind == Channel.FEISHU:
        return channels.feishu_request(robot.webhook_url, robot.secret, text)
    if kind == Channel.WECOM:
        return channels.wecom_request(robot.webhook_url, text)
    if kind == Channel.WEBHOOK:
        return channels.webhook_request(
            robot.webhook_url, robot.secret, webhook_document(delivery), delivery_id=delivery.pk
        )
    raise channels.PermanentChannelError(f"unknown channel {kind}")
