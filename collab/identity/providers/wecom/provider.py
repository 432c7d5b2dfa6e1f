from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import WeComOAuth2Adapter


class WeComAccount(ProviderAccount):
    def to_str(self):
        return self.account.extra_data.get("name") or self.account.uid


class WeComProvider(OAuth2Provider):
    """企业微信: 扫码登录 in a browser, 网页授权登录 inside the WeCom client; keyed by the
    company userid."""

    id = "wecom"
    name = "企业微信"
    account_class = WeComAccount
    oauth2_adapter_class = WeComOAuth2Adapter

    def extract_uid(self, data):
        return data["userid"]

    def extract_common_fields(self, data):
        return {"username": data["userid"], "name": data.get("name", "")}


provider_classes = [WeComProvider]
