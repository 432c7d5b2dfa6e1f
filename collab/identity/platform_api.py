"""Server-side calls to DingTalk, Feishu and WeCom with the app's own credentials.

Each platform hands out an app access token (about two hours); it is kept in the cache
until shortly before it expires, and fetched again at once when the platform answers
that it has expired or is invalid (the call is then repeated once).
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache


class PlatformError(Exception):
    """The platform refused a call: its error code and message."""

    def __init__(self, platform: str, code, message: str = ""):
        super().__init__(f"{platform} error {code}: {message}")
        self.platform = platform
        self.code = code
        self.message = message


class AppClient:
    platform = ""
    # Error codes meaning "the app access token expired or is not valid".
    token_errors: frozenset = frozenset()
    # Seconds before the platform's expiry that a cached token is dropped.
    token_margin = 300

    def __init__(self, base: str, app_id: str, secret: str):
        self.base = base.rstrip("/")
        self.app_id = app_id
        self.secret = secret

    @property
    def cache_key(self) -> str:
        return f"identity:app-token:{self.platform}:{self.base}:{self.app_id}"

    def http(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(
            method, self.base + path, timeout=settings.COLLAB_SSO_HTTP_TIMEOUT, **kwargs
        )
        try:
            return response.json()
        except ValueError:
            raise PlatformError(self.platform, response.status_code, response.text[:200]) from None

    def fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    def token(self) -> str:
        token = cache.get(self.cache_key)
        if not token:
            token, expires_in = self.fetch_token()
            cache.set(self.cache_key, token, max(int(expires_in) - self.token_margin, 60))
        return token

    def error_code(self, data: dict):
        return data.get("errcode", 0)

    def call(self, method: str, path: str, **kwargs) -> dict:
        """A call with the app token; refetches the token once if the platform says it
        has expired."""
        for attempt in range(2):
            data = self.send(method, path, self.token(), **kwargs)
            code = self.error_code(data)
            if code in self.token_errors and attempt == 0:
                cache.delete(self.cache_key)
                continue
            if code:
                raise PlatformError(
                    self.platform, code, data.get("errmsg") or data.get("msg") or ""
                )
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    def send(self, method: str, path: str, token: str, **kwargs) -> dict:
        params = {**kwargs.pop("params", {}), "access_token": token}
        return self.http(method, path, params=params, **kwargs)


class DingTalkApp(AppClient):
    """DingTalk's server API (oapi): app token, 免登 code, unionid → userid, user details."""

    platform = "dingtalk"
    # 40014 不合法的access_token, 42001 access_token 超时
    token_errors = frozenset({40014, 42001})

    @classmethod
    def from_settings(cls) -> DingTalkApp:
        return cls(
            settings.COLLAB_DINGTALK_OAPI_BASE,
            settings.COLLAB_DINGTALK_CLIENT_ID,
            settings.COLLAB_DINGTALK_CLIENT_SECRET,
        )

    def fetch_token(self):
        data = self.http(
            "GET", "/gettoken", params={"appkey": self.app_id, "appsecret": self.secret}
        )
        if data.get("errcode"):
            raise PlatformError(self.platform, data["errcode"], data.get("errmsg", ""))
        return data["access_token"], data.get("expires_in", 7200)

    def user_by_code(self, code: str) -> dict:
        """The person behind an in-app 免登 code (dd.runtime.permission.requestAuthCode)."""
        return self.call("POST", "/topapi/v2/user/getuserinfo", json={"code": code})["result"]

    def userid_by_unionid(self, unionid: str) -> str:
        data = self.call("POST", "/topapi/user/getbyunionid", json={"unionid": unionid})
        return data["result"]["userid"]

    def user_detail(self, userid: str) -> dict:
        return self.call("POST", "/topapi/v2/user/get", json={"userid": userid})["result"]


class FeishuApp(AppClient):
    """Feishu's app access token and the exchange of a login or 免登 code for the user's
    access token and identity (authen v1)."""

    platform = "feishu"
    # 99991663 invalid app/tenant access token, 99991664 app access token expired
    token_errors = frozenset({99991663, 99991664})

    @classmethod
    def from_settings(cls) -> FeishuApp:
        return cls(
            settings.COLLAB_FEISHU_API_BASE,
            settings.COLLAB_FEISHU_APP_ID,
            settings.COLLAB_FEISHU_APP_SECRET,
        )

    def error_code(self, data: dict):
        return data.get("code", 0)

    def fetch_token(self):
        data = self.http(
            "POST",
            "/open-apis/auth/v3/app_access_token/internal",
            json={"app_id": self.app_id, "app_secret": self.secret},
        )
        if data.get("code"):
            raise PlatformError(self.platform, data["code"], data.get("msg", ""))
        return data["app_access_token"], data.get("expire", 7200)

    def send(self, method, path, token, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return self.http(method, path, headers=headers, **kwargs)

    def user_token_by_code(self, code: str) -> dict:
        """authen/v1/access_token: the user's access token and ids for a code."""
        body = {"grant_type": "authorization_code", "code": code}
        return self.call("POST", "/open-apis/authen/v1/access_token", json=body)["data"]

    def user_info(self, user_access_token: str) -> dict:
        data = self.http(
            "GET",
            "/open-apis/authen/v1/user_info",
            headers={"Authorization": f"Bearer {user_access_token}"},
        )
        if data.get("code"):
            raise PlatformError(self.platform, data["code"], data.get("msg", ""))
        return data["data"]


class WeComApp(AppClient):
    """WeCom (企业微信): app token, the person behind a login code, and (with the
    snsapi_privateinfo scope) their mobile and e-mail."""

    platform = "wecom"
    # 40014 invalid access_token, 42001 access_token expired
    token_errors = frozenset({40014, 42001})

    @classmethod
    def from_settings(cls) -> WeComApp:
        return cls(
            settings.COLLAB_WECOM_API_BASE,
            settings.COLLAB_WECOM_CORP_ID,
            settings.COLLAB_WECOM_SECRET,
        )

    def fetch_token(self):
        data = self.http(
            "GET", "/cgi-bin/gettoken", params={"corpid": self.app_id, "corpsecret": self.secret}
        )
        if data.get("errcode"):
            raise PlatformError(self.platform, data["errcode"], data.get("errmsg", ""))
        return data["access_token"], data.get("expires_in", 7200)

    def user_by_code(self, code: str) -> dict:
        return self.call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})

    def user_detail(self, user_ticket: str) -> dict:
        return self.call("POST", "/cgi-bin/auth/getuserdetail", json={"user_ticket": user_ticket})

    def user(self, userid: str) -> dict:
        return self.call("GET", "/cgi-bin/user/get", params={"userid": userid})
