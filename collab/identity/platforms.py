"""Server-side clients of the DingTalk, Feishu and WeCom open APIs: the app's access
token (cached, fetched again when the platform says it expired), the contacts the org
sync reads and the personal messages the notices send.

- DingTalk: `GET {oapi}/gettoken?appkey=&appsecret=` -> {errcode, access_token,
  expires_in}; every call carries `?access_token=`; answers {errcode: 0, result: …}.
  Token gone: 40014 (invalid), 42001 (expired), 88 with sub_code 40014/42001.
- Feishu: `POST {api}/open-apis/auth/v3/tenant_access_token/internal` {app_id,
  app_secret} -> {code, tenant_access_token, expire}; calls carry `Authorization:
  Bearer <token>`; answers {code: 0, data: …}. Token gone: 99991663, 99991664, 99991668.
- WeCom: `GET {api}/cgi-bin/gettoken?corpid=&corpsecret=` -> {errcode, access_token,
  expires_in}; calls carry `?access_token=`. Token gone: 40014, 42001, 40082.

Rate-limit answers become `channels.ChannelError` with the platform's pause, other
errors `PlatformError`; for messages, refusals that cannot heal by waiting (unknown
user, app not visible to them) are `channels.PermanentChannelError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from collab.notifications.channels import ChannelError, PermanentChannelError

logger = logging.getLogger(__name__)


class PlatformError(Exception):
    """The platform refused a call (wrong credentials, missing permission, bad input)."""

    def __init__(self, message: str, *, code=None):
        super().__init__(message)
        self.code = code


class NotConfigured(PlatformError):
    pass


TOKEN_EXPIRED = {
    "dingtalk": {40014, 42001, 40001},
    "feishu": {99991663, 99991664, 99991668, 99991661},
    "wecom": {40014, 42001, 40082},
}
RATE_LIMITED = {
    # seconds to pause
    "dingtalk": {90018: 1, 90002: 60, 90005: 60, 90006: 60, 90019: 1, 90010: 60},
    "feishu": {99991400: 1, 230020: 1},
    "wecom": {45009: 60, 45033: 5, 45011: 60},
}
# Message refusals that waiting cannot heal.
MESSAGE_PERMANENT = {
    "dingtalk": {33012: "无效的 userid", 40035: "缺少参数", 40056: "不合法的 agentid"},
    "feishu": {230001: "参数错误", 230002: "机器人不在会话中", 230013: "用户不在应用可用范围内"},
    "wecom": {81013: "接收人全部无效或不在应用可见范围", 40056: "不合法的 agentid"},
}


def token_cache_key(platform: str, app_id: str, secret: str) -> str:
    digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
    return f"collab:platform-token:{platform}:{app_id}:{digest}"


def setting(name: str, default=""):
    return getattr(settings, name, default)


@dataclass
class Answer:
    status: int
    data: dict


def _http(method: str, url: str, *, body: dict | None = None, headers=None) -> Answer:
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    timeout = setting("COLLAB_ALERT_HTTP_TIMEOUT", 10)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read(2000).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    try:
        payload = json.loads(text or "{}")
    except ValueError:
        payload = {}
    if status >= 500 or (status >= 400 and not payload):
        raise ChannelError(f"HTTP {status}: {text[:300]}")
    return Answer(status, payload)


class Client:
    platform = ""
    code_key = "errcode"

    def __init__(self, *, app_id: str, secret: str, base: str):
        if not (app_id and secret):
            raise NotConfigured(f"{self.platform} is not configured")
        self.app_id, self.secret, self.base = app_id, secret, base.rstrip("/")

    # Access token
    @property
    def _token_key(self) -> str:
        return token_cache_key(self.platform, self.app_id, self.secret)

    def token(self, *, fresh: bool = False) -> str:
        if not fresh:
            cached = cache.get(self._token_key)
            if cached:
                return cached
        token, expires_in = self._fetch_token()
        # Renew five minutes early, as the platforms ask.
        cache.set(self._token_key, token, timeout=max(int(expires_in) - 300, 60))
        return token

    def _fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    # Calls
    def _request(self, method, path, token, *, params=None, body=None) -> Answer:
        raise NotImplementedError

    def call(self, method: str, path: str, *, params=None, body=None) -> dict:
        """One API call; an expired token is fetched again once."""
        for fresh in (False, True):
            answer = self._request(method, path, self.token(fresh=fresh), params=params, body=body)
            code = self._code(answer.data)
            if code in TOKEN_EXPIRED[self.platform] and not fresh:
                logger.info("%s access token expired (%s); fetching a new one", self.platform, code)
                cache.delete(self._token_key)
                continue
            break
        if code not in (0, None):
            self._raise(code, answer)
        if answer.status >= 400:
            raise PlatformError(f"HTTP {answer.status}: {answer.data}")
        return answer.data

    def _code(self, data: dict):
        code = data.get(self.code_key, 0)
        sub = data.get("sub_code")
        if code == 88 and sub and str(sub).isdigit():  # DingTalk wraps the real code
            return int(sub)
        return code

    def _raise(self, code, answer: Answer):
        message = answer.data.get("errmsg") or answer.data.get("msg") or ""
        pause = RATE_LIMITED[self.platform].get(code)
        if pause is not None:
            raise ChannelError(f"{self.platform} {code} {message}", retry_after=pause)
        if code == -1:  # "system busy"
            raise ChannelError(f"{self.platform} {code} {message}")
        raise PlatformError(f"{self.platform} {code} {message}".strip(), code=code)

    def send(self, method: str, path: str, **kwargs) -> dict:
        """A message call: refusals that cannot heal become PermanentChannelError."""
        try:
            return self.call(method, path, **kwargs)
        except PlatformError as error:
            known = MESSAGE_PERMANENT[self.platform].get(error.code, "")
            if known or error.code in TOKEN_EXPIRED[self.platform] or error.code is None:
                raise PermanentChannelError(
                    f"{error}（{known}）" if known else str(error)
                ) from error
            raise PermanentChannelError(str(error)) from error


class DingTalk(Client):
    platform = "dingtalk"

    @classmethod
    def from_settings(cls) -> DingTalk:
        return cls(
            app_id=setting("COLLAB_DINGTALK_CLIENT_ID"),
            secret=setting("COLLAB_DINGTALK_CLIENT_SECRET"),
            base=setting("COLLAB_DINGTALK_OAPI_BASE", "https://oapi.dingtalk.com"),
        )

    def _fetch_token(self):
        query = urllib.parse.urlencode({"appkey": self.app_id, "appsecret": self.secret})
        answer = _http("GET", f"{self.base}/gettoken?{query}")
        if answer.data.get("errcode", 0) != 0 or "access_token" not in answer.data:
            raise PlatformError(
                f"dingtalk gettoken: {answer.data}", code=answer.data.get("errcode")
            )
        return answer.data["access_token"], answer.data.get("expires_in", 7200)

    def _request(self, method, path, token, *, params=None, body=None):
        query = urllib.parse.urlencode({**(params or {}), "access_token": token})
        return _http(method, f"{self.base}{path}?{query}", body=body)

    # Contacts
    def departments(self) -> list[dict]:
        """Every department below the root (1), each with its managers."""
        found, queue = [], [1]
        root = self.call("POST", "/topapi/v2/department/get", body={"dept_id": 1})["result"]
        found.append(root)
        while queue:
            parent = queue.pop(0)
            children = self.call(
                "POST", "/topapi/v2/department/listsub", body={"dept_id": parent}
            ).get("result", [])
            for child in children:
                detail = self.call(
                    "POST", "/topapi/v2/department/get", body={"dept_id": child["dept_id"]}
                )["result"]
                found.append(detail)
                queue.append(child["dept_id"])
        return found

    def users(self, dept_id) -> list[dict]:
        people, cursor = [], 0
        while True:
            result = self.call(
                "POST",
                "/topapi/v2/user/list",
                body={"dept_id": dept_id, "cursor": cursor, "size": 100},
            )["result"]
            people.extend(result.get("list", []))
            if not result.get("has_more"):
                return people
            cursor = result["next_cursor"]

    # Work notice (工作通知)
    def work_notice(self, *, userid: str, title: str, text: str, url: str) -> dict:
        agent_id = setting("COLLAB_DINGTALK_AGENT_ID")
        if not agent_id:
            raise PermanentChannelError("COLLAB_DINGTALK_AGENT_ID is not set")
        msg = {
            "msgtype": "action_card",
            "action_card": {
                "title": title,
                "markdown": text,
                "single_title": "查看详情",
                "single_url": dingtalk_client_link(url),
            },
        }
        return self.send(
            "POST",
            "/topapi/message/corpconversation/asyncsend_v2",
            body={"agent_id": int(agent_id), "userid_list": userid, "msg": msg},
        )


class Feishu(Client):
    platform = "feishu"
    code_key = "code"

    @classmethod
    def from_settings(cls) -> Feishu:
        return cls(
            app_id=setting("COLLAB_FEISHU_APP_ID"),
            secret=setting("COLLAB_FEISHU_APP_SECRET"),
            base=setting("COLLAB_FEISHU_API_BASE", "https://open.feishu.cn"),
        )

    def _fetch_token(self):
        answer = _http(
            "POST",
            f"{self.base}/open-apis/auth/v3/tenant_access_token/internal",
            body={"app_id": self.app_id, "app_secret": self.secret},
        )
        if answer.data.get("code", 0) != 0 or "tenant_access_token" not in answer.data:
            raise PlatformError(f"feishu token: {answer.data}", code=answer.data.get("code"))
        return answer.data["tenant_access_token"], answer.data.get("expire", 7200)

    def _request(self, method, path, token, *, params=None, body=None):
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        headers = {"Authorization": f"Bearer {token}"}
        return _http(method, f"{self.base}{path}{query}", body=body, headers=headers)

    def _pages(self, path: str, params: dict) -> list[dict]:
        items, token = [], ""
        while True:
            query = {**params, "page_size": 50, **({"page_token": token} if token else {})}
            data = self.call("GET", path, params=query).get("data", {})
            items.extend(data.get("items") or [])
            if not data.get("has_more"):
                return items
            token = data["page_token"]

    def departments(self) -> list[dict]:
        return self._pages(
            "/open-apis/contact/v3/departments/0/children",
            {
                "department_id_type": "open_department_id",
                "user_id_type": "user_id",
                "fetch_child": "true",
            },
        )

    def users(self, open_department_id: str) -> list[dict]:
        return self._pages(
            "/open-apis/contact/v3/users/find_by_department",
            {
                "department_id": open_department_id,
                "department_id_type": "open_department_id",
                "user_id_type": "user_id",
            },
        )

    def message(self, *, user_id: str, title: str, text: str, url: str) -> dict:
        card = {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [
                {"tag": "markdown", "content": text},
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": "查看详情"},
                            "type": "primary",
                            "url": feishu_client_link(url),
                        }
                    ],
                },
            ],
        }
        return self.send(
            "POST",
            "/open-apis/im/v1/messages",
            params={"receive_id_type": "user_id"},
            body={
                "receive_id": user_id,
                "msg_type": "interactive",
                "content": json.dumps(card, ensure_ascii=False),
            },
        )


class WeCom(Client):
    platform = "wecom"

    @classmethod
    def from_settings(cls, *, contacts: bool = False) -> WeCom:
        secret = setting("COLLAB_WECOM_SECRET")
        if contacts:
            secret = setting("COLLAB_WECOM_CONTACTS_SECRET") or secret
        return cls(
            app_id=setting("COLLAB_WECOM_CORP_ID"),
            secret=secret,
            base=setting("COLLAB_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        )

    def _fetch_token(self):
        query = urllib.parse.urlencode({"corpid": self.app_id, "corpsecret": self.secret})
        answer = _http("GET", f"{self.base}/cgi-bin/gettoken?{query}")
        if answer.data.get("errcode", 0) != 0 or "access_token" not in answer.data:
            raise PlatformError(f"wecom gettoken: {answer.data}", code=answer.data.get("errcode"))
        return answer.data["access_token"], answer.data.get("expires_in", 7200)

    def _request(self, method, path, token, *, params=None, body=None):
        query = urllib.parse.urlencode({**(params or {}), "access_token": token})
        return _http(method, f"{self.base}{path}?{query}", body=body)

    def departments(self) -> list[dict]:
        return self.call("GET", "/cgi-bin/department/list").get("department", [])

    def users(self, department_id) -> list[dict]:
        return self.call("GET", "/cgi-bin/user/list", params={"department_id": department_id}).get(
            "userlist", []
        )

    def app_message(self, *, userid: str, title: str, text: str, url: str) -> dict:
        agent_id = setting("COLLAB_WECOM_AGENT_ID")
        if not agent_id:
            raise PermanentChannelError("COLLAB_WECOM_AGENT_ID is not set")
        answer = self.send(
            "POST",
            "/cgi-bin/message/send",
            body={
                "touser": userid,
                "msgtype": "textcard",
                "agentid": int(agent_id),
                "textcard": {
                    "title": title,
                    "description": text,
                    "url": url,
                    "btntxt": "详情",
                },
            },
        )
        if answer.get("invaliduser"):
            raise PermanentChannelError(f"wecom invalid user {answer['invaliduser']}")
        return answer


# Links that open inside the client
def dingtalk_client_link(url: str) -> str:
    """Opens `url` in DingTalk's side panel (PC) or in-app browser (mobile)."""
    return "dingtalk://dingtalkclient/page/link?" + urllib.parse.urlencode(
        {"url": url, "pc_slide": "true"}
    )


def feishu_client_link(url: str) -> str:
    """Feishu AppLink: opens `url` in Feishu's built-in browser."""
    return "https://applink.feishu.cn/client/web_url/open?" + urllib.parse.urlencode(
        {"mode": "window", "url": url}
    )
