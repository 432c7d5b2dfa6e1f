"""Registers Collab's WeCom provider with allauth (allauth loads `<app>.provider` of every
installed app; DingTalk and Feishu are allauth's apps with the provider classes of
collab.identity.providers set in SOCIALACCOUNT_PROVIDERS)."""

from .providers.wecom.provider import WeComProvider

provider_classes = [WeComProvider]
