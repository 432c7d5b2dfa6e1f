from __future__ import annotations

from allauth.socialaccount.providers.feishu.provider import FeishuProvider as BaseProvider

from .views import FeishuOAuth2Adapter


class FeishuProvider(BaseProvider):
    name = "飞书"
    oauth2_adapter_class = FeishuOAuth2Adapter

    def extract_common_fields(self, data):
        return {"username": data.get("user_id") or data.get("name"), "name": data.get("name")}


provider_classes = [FeishuProvider]
