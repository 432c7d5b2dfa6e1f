from __future__ import annotations

import logging

import requests
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings

from collab.identity.platform_api import PlatformError, WeComApp

from .client import WeComOAuth2Client

logger = logging.getLogger(__name__)


class WeComOAuth2Adapter(OAuth2Adapter):
    provider_id = "wecom"
    client_class = WeComOAuth2Client

    @property
    def authorize_url(self):
        return f"{settings.COLLAB_WECOM_LOGIN_BASE.rstrip('/')}/wwlogin/sso/login"

    @property
    def access_token_url(self):
        return f"{settings.COLLAB_WECOM_API_BASE.rstrip('/')}/cgi-bin/auth/getuserinfo"

    def get_client(self, request, app):
        return self.client_class(
            self.request,
            app.client_id,
            app.secret,
            self.access_token_method,
            self.access_token_url,
            self.get_callback_url(request, app),
            agent_id=app.key,
            in_client="wxwork" in request.headers.get("User-Agent", "").lower(),
        )

    def complete_login(self, request, app, token, **kwargs):
        response = kwargs["response"]
        wecom = WeComApp(settings.COLLAB_WECOM_API_BASE, app.client_id, app.secret)
        data = {"userid": response["userid"]}
        try:
            member = wecom.user(response["userid"])
            data.update(
                {k: member[k] for k in ("name", "open_userid", "mobile", "email") if member.get(k)}
            )
        except (PlatformError, requests.RequestException) as error:
            logger.warning("wecom member unavailable: %s", error)
        if response.get("user_ticket"):
            # Mobile and e-mail the person agreed to share (snsapi_privateinfo): how a
            # new app gets them at all.
            try:
                detail = wecom.user_detail(response["user_ticket"])
                data.update(
                    {k: detail[k] for k in ("mobile", "email", "biz_mail") if detail.get(k)}
                )
            except (PlatformError, requests.RequestException) as error:
                logger.warning("wecom user detail unavailable: %s", error)
        return self.get_provider().sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(WeComOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WeComOAuth2Adapter)
