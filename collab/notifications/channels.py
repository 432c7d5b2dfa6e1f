"""Message formats and signing of every outgoing channel.

- DingTalk group robot: POST {"msgtype": "text", "text": {"content": …}}; with 加签 the
  URL gets `&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(secret,
  "<ms>\\n<secret>")>`; success is {"errcode": 0}.
- Feishu/Lark custom bot: POST {"timestamp": "<s>", "sign": base64(HMAC-SHA256(key=
  "<s>\\n<secret>", msg="")), "msg_type": "text", "content": {"text": …}}; success is
  {"code": 0} (older answers use "StatusCode": 0).
- WeCom group robot: POST {"msgtype": "text", "text": {"content": …}}, the key is in
  the URL, no signature; success is {"errcode": 0}.
- Generic webhook: POST a JSON document with headers `X-Collab-Timestamp: <s>`,
  `X-Collab-Delivery: <delivery id>` (receivers may deduplicate on it) and
  `X-Collab-Signature: sha256=<hex HMAC-SHA256(secret, "<s>." + body)>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings


class ChannelError(Exception):
    """A send failed in a way worth retrying (network, timeout, 5xx, a platform busy or
    rate-limit code). `retry_after` asks for at least that many seconds of rest."""

    def __init__(self, message: str, *, retry_after: float = 0):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentChannelError(Exception):
    """A send can never succeed as configured (no address, robot removed, sign mismatch,
    invalid key, keyword mismatch): retrying cannot help, someone has to fix it."""


# Platform answers that cannot heal by waiting. Anything else is retried.
PERMANENT_CODES = {
    "dingtalk": {
        300001: "token 无效或机器人不存在",
        300005: "token 不存在",
        310000: "签名不匹配、关键词不匹配或 IP 不在白名单",
        400013: "群已被解散",
        400101: "access_token 不存在",
        400102: "机器人已停用",
        400105: "不支持的消息类型",
        400106: "机器人不存在",
    },
    "feishu": {
        19001: "参数无效（webhook 地址错误）",
        19002: "机器人不存在",
        19007: "机器人未启用或已被移出群",
        19021: "签名校验失败",
        19022: "IP 不在白名单",
        19024: "关键词校验失败",
    },
    "wecom": {
        93000: "webhook 地址无效（key 错误）",
        93004: "机器人已被停用",
        93008: "机器人不在群中",
        40008: "不支持的消息类型",
    },
}
# Platform answers meaning "too many messages": retry after the platform's penalty.
RATE_LIMIT_CODES = {
    "dingtalk": {130101: 600, 410100: 600},
    "feishu": {11232: 60, 9499: 60},
    "wecom": {45009: 60},
}


@dataclass
class Request:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    string_to_sign = f"{timestamp_s}\n{secret}".encode()
    digest = hmac.new(string_to_sign, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    message = f"{timestamp_s}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _append_query(url: str, params: str) -> str:
    return url + ("&" if urllib.parse.urlsplit(url).query else "?") + params


def dingtalk_request(url: str, secret: str, text: str, *, now: float | None = None) -> Request:
    body = _json({"msgtype": "text", "text": {"content": text}})
    if secret:
        timestamp_ms = int((now if now is not None else time.time()) * 1000)
        url = _append_query(
            url, f"timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"
        )
    return Request(url, body, {"Content-Type": "application/json; charset=utf-8"})


def feishu_request(url: str, secret: str, text: str, *, now: float | None = None) -> Request:
    payload: dict = {}
    if secret:
        timestamp_s = int(now if now is not None else time.time())
        payload = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
    payload.update({"msg_type": "text", "content": {"text": text}})
    return Request(url, _json(payload), {"Content-Type": "application/json; charset=utf-8"})


def wecom_request(url: str, text: str) -> Request:
    body = _json({"msgtype": "text", "text": {"content": text}})
    return Request(url, body, {"Content-Type": "application/json; charset=utf-8"})


def webhook_request(
    url: str, secret: str, document: dict, *, delivery_id: int, now: float | None = None
) -> Request:
    body = _json(document)
    timestamp_s = int(now if now is not None else time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Collab-Timestamp": str(timestamp_s),
        "X-Collab-Delivery": str(delivery_id),
        "X-Collab-Signature": webhook_signature(secret, timestamp_s, body),
    }
    return Request(url, body, headers)


def dingtalk_markdown_request(
    url: str, secret: str, title: str, text: str, *, now: float | None = None
) -> Request:
    request = dingtalk_request(url, secret, "", now=now)
    request.body = _json({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
    return request


def feishu_markdown_request(
    url: str, secret: str, title: str, text: str, *, now: float | None = None
) -> Request:
    request = feishu_request(url, secret, "", now=now)
    payload = json.loads(request.body)
    payload.pop("content")
    payload["msg_type"] = "interactive"
    payload["card"] = {
        "header": {"title": {"tag": "plain_text", "content": title}},
        "elements": [{"tag": "markdown", "content": text}],
    }
    request.body = _json(payload)
    return request


def wecom_markdown_request(url: str, text: str) -> Request:
    body = _json({"msgtype": "markdown", "markdown": {"content": text}})
    return Request(url, body, {"Content-Type": "application/json; charset=utf-8"})


def post(request: Request, *, kind: str) -> str:
    """POST and check the answer; returns a short description for the attempt log."""
    timeout = getattr(settings, "COLLAB_ALERT_HTTP_TIMEOUT", 10)
    http_request = urllib.request.Request(  # noqa: S310 (admin-configured http(s) URL)
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            text = response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise ChannelError(
            f"HTTP {error.code}: {error.read(500).decode('utf-8', 'replace')}"
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    _check_answer(kind, status, text)
    return f"HTTP {status} {text[:200]}"


def _check_answer(kind: str, status: int, text: str) -> None:
    if not 200 <= status < 300:
        raise ChannelError(f"HTTP {status}: {text[:300]}")
    if kind == "webhook":
        return
    try:
        answer = json.loads(text or "{}")
    except ValueError as error:
        raise ChannelError(f"unexpected answer: {text[:300]}") from error
    if kind in ("dingtalk", "wecom"):
        code = answer.get("errcode", 0)
    else:  # feishu
        code = answer.get("code", answer.get("StatusCode", 0))
    if code in (0, None):
        return
    message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
    known = PERMANENT_CODES.get(kind, {}).get(code)
    if known:
        raise PermanentChannelError(f"{code} {message}（{known}）".strip())
    retry_after = RATE_LIMIT_CODES.get(kind, {}).get(code, 0)
    raise ChannelError(f"robot error {code}: {text[:300]}", retry_after=retry_after)
