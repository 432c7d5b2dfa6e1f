"""allauth's DingTalk login with the addresses of COLLAB_DINGTALK_*_BASE, the person's
company userid and work e-mail added from the server API when the app may read them."""

from __future__ import annotations

import logging

import requests
from allauth.socialaccount.providers.dingtalk.views import DingTalkOAuth2Adapter as BaseAdapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings

from collab.identity.platform_api import DingTalkApp, PlatformError

logger = logging.getLogger(__name__)


class DingTalkOAuth2Adapter(BaseAdapter):
    @property
    def authorize_url(self):
        return f"{settings.COLLAB_DINGTALK_LOGIN_BASE.rstrip('/')}/oauth2/auth"

    @property
    def access_token_url(self):
        return f"{settings.COLLAB_DINGTALK_API_BASE.rstrip('/')}/v1.0/oauth2/userAccessToken"

    @property
    def profile_url(self):
        return f"{settings.COLLAB_DINGTALK_API_BASE.rstrip('/')}/v1.0/contact/users/me"

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        login.account.extra_data.update(company_profile(login.account.extra_data.get("unionId")))
        return login


def company_profile(unionid: str | None, userid: str | None = None) -> dict:
    """The company userid (the id the org sync records) and the work e-mail of a DingTalk
    user; empty when the app lacks the contact permissions."""
    app = DingTalkApp.from_settings()
    try:
        if not userid:
            if not unionid:
                return {}
            userid = app.userid_by_unionid(unionid)
        detail = app.user_detail(userid)
    except (PlatformError, requests.RequestException, KeyError) as error:
        logger.warning("dingtalk company profile unavailable: %s", error)
        return {"userid": userid} if userid else {}
    return {
        "userid": userid,
        "org_email": detail.get("org_email", ""),
        "mobile": detail.get("mobile", ""),
        "name": detail.get("name", ""),
    }


oauth2_login = OAuth2LoginView.adapter_view(DingTalkOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(DingTalkOAuth2Adapter)
