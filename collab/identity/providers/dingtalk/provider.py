from __future__ import annotations

from allauth.socialaccount.providers.dingtalk.provider import DingTalkProvider as BaseProvider

from .views import DingTalkOAuth2Adapter


class DingTalkProvider(BaseProvider):
    """allauth's DingTalk provider; the account is keyed by the unionId, which the login
    page and the in-app 免登 both give (the openId exists only for the former)."""

    name = "钉钉"
    oauth2_adapter_class = DingTalkOAuth2Adapter

    def extract_uid(self, data):
        return data.get("unionId") or data["unionid"]

    def get_auth_params(self):
        return {"prompt": "consent", **super().get_auth_params()}

    def extract_common_fields(self, data):
        name = data.get("nick") or data.get("name")
        return {"username": data.get("userid") or name, "name": name}


provider_classes = [DingTalkProvider]
