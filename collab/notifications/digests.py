"""Digest messages: a robot's messages that waited for its rate limit, sent as one
markdown list (newest first) with a link to the full list in Collab."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Alert, Delivery


def digest_url(lead_id: int) -> str:
    from .outgoing import site_url

    return site_url(reverse("notifications:robot_digest", args=[lead_id]))


def digest_markdown(lead: Delivery, alerts: Sequence[Alert]) -> tuple[str, str]:
    """(title, markdown) of a digest: newest first, at most
    COLLAB_ROBOT_DIGEST_MAX_ITEMS lines, and a link to the full list in Collab."""
    from .deliveries import setting
    from .outgoing import kind_label, site_url

    limit = setting("COLLAB_ROBOT_DIGEST_MAX_ITEMS", 15)
    title = _("Collab 提醒汇总（%(n)s 条）") % {"n": len(alerts)}
    lines = [f"#### {title}", _("发送频率受群机器人限制，以下提醒合并为一条：")]
    from .messages import render

    for alert in alerts[:limit]:
        message = render(alert.kind, alert.params, alert.message).replace("\n", " ")
        if len(message) > 80:
            message = message[:79] + "…"
        link = f" [{_('查看')}]({site_url(alert.url)})" if alert.url else ""
        lines.append(f"- 【{kind_label(alert.kind)}】{message}{link}")
    if len(alerts) > limit:
        lines.append(_("- ……另有 %(n)s 条") % {"n": len(alerts) - limit})
    lines.append(f"[{_('在 Collab 中查看全部')}]({digest_url(lead.pk)})")
    return title, "\n".join(lines)


def digest_alerts(lead: Delivery) -> list[Alert]:
    merged = Delivery.objects.filter(merged_into=lead).values_list("alert_id", flat=True)
    ids = [lead.alert_id, *merged]
    return list(Alert.objects.filter(pk__in=ids).order_by("-created_at", "-id"))
