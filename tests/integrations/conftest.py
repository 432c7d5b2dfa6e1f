import pytest
from django.core.cache import cache

from collab.identity.platforms import token_cache_key

from .fakes import CREDENTIALS, Fake


@pytest.fixture
def platforms(settings):
    """The three platforms' fakes on 127.0.0.1, and settings pointing at them."""
    fake = Fake().start()
    settings.COLLAB_DINGTALK_CLIENT_ID, settings.COLLAB_DINGTALK_CLIENT_SECRET = CREDENTIALS[
        "dingtalk"
    ]
    settings.COLLAB_DINGTALK_OAPI_BASE = fake.base("dingtalk")
    settings.COLLAB_DINGTALK_AGENT_ID = "1001"
    settings.COLLAB_FEISHU_APP_ID, settings.COLLAB_FEISHU_APP_SECRET = CREDENTIALS["feishu"]
    settings.COLLAB_FEISHU_API_BASE = fake.base("feishu")
    settings.COLLAB_WECOM_CORP_ID, settings.COLLAB_WECOM_SECRET = CREDENTIALS["wecom"]
    settings.COLLAB_WECOM_API_BASE = fake.base("wecom")
    settings.COLLAB_WECOM_AGENT_ID = "1000002"
    for name, (app_id, secret) in CREDENTIALS.items():
        cache.delete(token_cache_key(name, app_id, secret))
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The demo organization hashes fifteen passwords per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
