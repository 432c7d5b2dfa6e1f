from __future__ import annotations

from urllib.parse import urlencode

from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from django.conf import settings

from collab.identity.platform_api import PlatformError, WeComApp


class WeComOAuth2Client(OAuth2Client):
    """WeCom has no user access token: the code is turned into the person's userid (and,
    inside the WeCom client with snsapi_privateinfo, a user_ticket) with the app token."""

    def __init__(self, *args, agent_id: str = "", in_client: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent_id = agent_id
        self.in_client = in_client

    def get_redirect_url(self, authorization_url, scope, extra_params):
        if self.in_client:
            # 网页授权登录 inside the WeCom client
            params = {
                "appid": self.consumer_key,
                "redirect_uri": self.callback_url,
                "response_type": "code",
                "scope": "snsapi_privateinfo",
                "state": self.state or "",
                "agentid": self.agent_id,
            }
            base = settings.COLLAB_WECOM_OAUTH_BASE.rstrip("/")
            return f"{base}/connect/oauth2/authorize?{urlencode(params)}#wechat_redirect"
        # 扫码登录 (web login) in any browser
        params = {
            "login_type": "CorpApp",
            "appid": self.consumer_key,
            "agentid": self.agent_id,
            "redirect_uri": self.callback_url,
            "state": self.state or "",
        }
        params.update(extra_params)
        return f"{authorization_url}?{urlencode(params)}"

    def get_access_token(self, code, pkce_code_verifier=None, extra_data=None):
        app = WeComApp(settings.COLLAB_WECOM_API_BASE, self.consumer_key, self.consumer_secret)
        try:
            data = app.user_by_code(code)
        except PlatformError as error:
            raise OAuth2Error(str(error)) from error
        if not data.get("userid"):
            # openid / external_userid: someone outside the company
            raise OAuth2Error("not a member of the company")
        return {
            "access_token": data.get("user_ticket") or data["userid"],
            "userid": data["userid"],
            "user_ticket": data.get("user_ticket", ""),
            "expires_in": data.get("expires_in"),
        }
