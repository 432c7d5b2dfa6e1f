"""Personal work notices: a person who chose it in their preferences also gets each
notice from the company's app on their platform, as a DingTalk 工作通知
(corpconversation/asyncsend_v2, an action card), a Feishu message (im/v1/messages, an
interactive card) or a WeCom application message (message/send, a text card). The
button opens the page inside the client (DingTalk's side panel, Feishu's AppLink;
WeCom opens links in its own browser).

They travel as delivery rows on their platform's lane (`robot-dingtalk`,
`robot-feishu`, `robot-wecom`), with the app's rate limit (COLLAB_ROBOT_RATE_LIMITS,
shared through Redis), the retries and the sweep of deliveries.py. The recipient is
found by their PlatformAccount (the org sync or single sign-on records it).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from . import channels
from .models import Channel, Delivery

PLATFORM_OF = {
    Channel.DINGTALK_WORK: "dingtalk",
    Channel.FEISHU_MESSAGE: "feishu",
    Channel.WECOM_APP: "wecom",
}


def wait_for_app_token(delivery_id: int, channel: str, now) -> None:
    """Take a token of the company app's rate limit on the platform (shared by every
    worker); without one the row waits and RetryLater says how long."""
    from datetime import timedelta

    from .deliveries import CLAIMABLE, RetryLater
    from .ratelimit import take_app_token

    wait = take_app_token(channel)
    if wait > 0:
        Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE).update(
            next_attempt_at=now + timedelta(seconds=wait)
        )
        raise RetryLater("app rate limit", wait)


def platform_ids(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(user id, platform) -> the platform's user id, for these people (one query)."""
    from collab.identity.models import PlatformAccount

    user_ids = set(user_ids)
    if not user_ids:
        return {}
    rows = PlatformAccount.objects.filter(
        user_id__in=user_ids, platform__in=set(PLATFORM_OF.values())
    ).values_list("user_id", "platform", "external_id")
    return {(user_id, platform): external for user_id, platform, external in rows}


def work_notice_error(user, channel: str) -> str:
    """Why `user` cannot choose `channel` (empty when they can)."""
    if not channel:
        return ""
    platform = PLATFORM_OF.get(channel)
    if platform is None:
        return _("未知的消息渠道")
    if not platform_ids([user.pk]).get((user.pk, platform)):
        label = dict(Channel.choices)[channel]
        return _(
            "您的账号尚未关联%(platform)s，无法接收%(label)s。请先用该平台登录或等待通讯录同步。"
        ) % {
            "platform": {"dingtalk": _("钉钉"), "feishu": _("飞书"), "wecom": _("企业微信")}[
                platform
            ],
            "label": label,
        }
    return ""


def _content(delivery: Delivery) -> tuple[str, str, str]:
    from .messages import language_of, render_in
    from .outgoing import site_url

    alert = delivery.alert
    label, message = render_in(
        language_of(delivery.recipient), alert.kind, alert.params, alert.message
    )
    url = site_url(alert.url or "/notifications/")
    return label, message, url


def send(delivery: Delivery) -> str:
    from collab.identity import platforms

    user = delivery.recipient
    platform = PLATFORM_OF[delivery.channel]
    external_id = platform_ids([user.pk]).get((user.pk, platform)) if user else None
    if not external_id:
        raise channels.PermanentChannelError(f"recipient has no {platform} account")
    title, text, url = _content(delivery)
    try:
        if platform == "dingtalk":
            answer = platforms.DingTalk.from_settings().work_notice(
                userid=external_id, title=title, text=f"#### {title}\n\n{text}", url=url
            )
            return f"dingtalk task_id={answer.get('task_id')}"
        if platform == "feishu":
            answer = platforms.Feishu.from_settings().message(
                user_id=external_id, title=title, text=text, url=url
            )
            return f"feishu message_id={(answer.get('data') or {}).get('message_id')}"
        answer = platforms.WeCom.from_settings().app_message(
            userid=external_id, title=title, text=text, url=url
        )
        return f"wecom msgid={answer.get('msgid')}"
    except platforms.NotConfigured as error:
        raise channels.PermanentChannelError(str(error)) from error
    except platforms.PlatformError as error:
        raise channels.PermanentChannelError(str(error)) from error
