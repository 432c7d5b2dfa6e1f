"""allauth's Feishu login against COLLAB_FEISHU_API_BASE; the code (from the login page
or the in-app 免登 tt.requestAuthCode) is exchanged with the app access token sent as the
documented Authorization header, the token refetched when Feishu says it expired."""

from __future__ import annotations

from allauth.socialaccount.providers.feishu.views import FeishuOAuth2Adapter as BaseAdapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings

from collab.identity.platform_api import FeishuApp, PlatformError


def _base() -> str:
    return settings.COLLAB_FEISHU_API_BASE.rstrip("/")


class FeishuOAuth2Adapter(BaseAdapter):
    @property
    def authorization_url(self):
        return f"{_base()}/open-apis/authen/v1/index"

    @property
    def access_token_url(self):
        return f"{_base()}/open-apis/authen/v1/access_token"

    @property
    def user_info_url(self):
        return f"{_base()}/open-apis/authen/v1/user_info"

    def get_access_token_data(self, request, app, client, pkce_code_verifier=None):
        from allauth.utils import get_request_param

        data = exchange_code(get_request_param(request, "code"))
        self.did_fetch_access_token = True
        return data

    def complete_login(self, request, app, token, **kwargs):
        try:
            info = FeishuApp.from_settings().user_info(token.token)
        except PlatformError as error:
            raise OAuth2Error(str(error)) from error
        return self.get_provider().sociallogin_from_response(request, info)


def exchange_code(code: str) -> dict:
    try:
        return FeishuApp.from_settings().user_token_by_code(code)
    except PlatformError as error:
        raise OAuth2Error(str(error)) from error


oauth2_login = OAuth2LoginView.adapter_view(FeishuOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(FeishuOAuth2Adapter)
