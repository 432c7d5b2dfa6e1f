import copy
from urllib.parse import urlsplit

import pytest
import requests

from tests.identity.fakes import DingTalkFake, FeishuFake, OIDCFake, WeComFake


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _add_app(settings, provider: str, app: dict, key: str = "APP"):
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers[provider][key] = app
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.fixture
def dingtalk(settings):
    fake = DingTalkFake().start()
    settings.COLLAB_DINGTALK_CLIENT_ID = fake.client_id
    settings.COLLAB_DINGTALK_CLIENT_SECRET = fake.client_secret
    settings.COLLAB_DINGTALK_CORP_ID = "ding-corp"
    settings.COLLAB_DINGTALK_API_BASE = fake.url
    settings.COLLAB_DINGTALK_OAPI_BASE = fake.url
    settings.COLLAB_DINGTALK_LOGIN_BASE = fake.url
    _add_app(settings, "dingtalk", {"client_id": fake.client_id, "secret": fake.client_secret})
    yield fake
    fake.stop()


@pytest.fixture
def feishu(settings):
    fake = FeishuFake().start()
    settings.COLLAB_FEISHU_APP_ID = fake.app_id
    settings.COLLAB_FEISHU_APP_SECRET = fake.app_secret
    settings.COLLAB_FEISHU_API_BASE = fake.url
    _add_app(settings, "feishu", {"client_id": fake.app_id, "secret": fake.app_secret})
    yield fake
    fake.stop()


@pytest.fixture
def wecom(settings):
    fake = WeComFake().start()
    settings.COLLAB_WECOM_CORP_ID = fake.corp_id
    settings.COLLAB_WECOM_AGENT_ID = fake.agent_id
    settings.COLLAB_WECOM_SECRET = fake.secret
    settings.COLLAB_WECOM_API_BASE = fake.url
    settings.COLLAB_WECOM_LOGIN_BASE = fake.url
    settings.COLLAB_WECOM_OAUTH_BASE = fake.url
    _add_app(
        settings,
        "wecom",
        {"client_id": fake.corp_id, "secret": fake.secret, "key": fake.agent_id},
    )
    yield fake
    fake.stop()


@pytest.fixture
def oidc(settings):
    fake = OIDCFake().start()
    settings.COLLAB_OIDC_ISSUER = fake.issuer
    settings.COLLAB_OIDC_CLIENT_ID = fake.client_id
    settings.COLLAB_OIDC_CLIENT_SECRET = fake.client_secret
    _add_app(
        settings,
        "openid_connect",
        [
            {
                "provider_id": "oidc",
                "name": "统一身份认证",
                "client_id": fake.client_id,
                "secret": fake.client_secret,
                "settings": {"server_url": fake.issuer},
            }
        ],
        key="APPS",
    )
    yield fake
    fake.stop()


def sign_in(client, login_path: str, **headers):
    """The login button (POST) → the platform's page → back to the callback."""
    response = client.post(login_path, **headers)
    assert response.status_code == 302, response.content
    platform = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert platform.status_code == 302, platform.text
    callback = urlsplit(platform.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}", **headers)


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None
