"""Settings of enterprise identity, read from the environment: single sign-on providers,
the platforms' apps the org sync and personal work notices use, LDAP, the nightly sync.
collab/settings.py takes them all in; see .env.example and docs/integrations.md."""

import environ

env = environ.Env()

# Single sign-on (collab/identity, docs/integrations.md): a provider is offered on the
# login page once its id and secret are set. API addresses are overridable for private
# deployments and tests.
COLLAB_OIDC_ISSUER = env("COLLAB_OIDC_ISSUER", default="")
COLLAB_OIDC_CLIENT_ID = env("COLLAB_OIDC_CLIENT_ID", default="")
COLLAB_OIDC_CLIENT_SECRET = env("COLLAB_OIDC_CLIENT_SECRET", default="")
COLLAB_OIDC_NAME = env("COLLAB_OIDC_NAME", default="统一身份认证")
COLLAB_DINGTALK_CLIENT_ID = env("COLLAB_DINGTALK_CLIENT_ID", default="")
COLLAB_DINGTALK_CLIENT_SECRET = env("COLLAB_DINGTALK_CLIENT_SECRET", default="")
COLLAB_DINGTALK_CORP_ID = env("COLLAB_DINGTALK_CORP_ID", default="")
COLLAB_DINGTALK_API_BASE = env("COLLAB_DINGTALK_API_BASE", default="https://api.dingtalk.com")
COLLAB_DINGTALK_OAPI_BASE = env("COLLAB_DINGTALK_OAPI_BASE", default="https://oapi.dingtalk.com")
COLLAB_DINGTALK_LOGIN_BASE = env("COLLAB_DINGTALK_LOGIN_BASE", default="https://login.dingtalk.com")
COLLAB_FEISHU_APP_ID = env("COLLAB_FEISHU_APP_ID", default="")
COLLAB_FEISHU_APP_SECRET = env("COLLAB_FEISHU_APP_SECRET", default="")
COLLAB_FEISHU_API_BASE = env("COLLAB_FEISHU_API_BASE", default="https://open.feishu.cn")
COLLAB_WECOM_CORP_ID = env("COLLAB_WECOM_CORP_ID", default="")
COLLAB_WECOM_AGENT_ID = env("COLLAB_WECOM_AGENT_ID", default="")
COLLAB_WECOM_SECRET = env("COLLAB_WECOM_SECRET", default="")
COLLAB_WECOM_API_BASE = env("COLLAB_WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
COLLAB_WECOM_LOGIN_BASE = env("COLLAB_WECOM_LOGIN_BASE", default="https://login.work.weixin.qq.com")
COLLAB_WECOM_OAUTH_BASE = env("COLLAB_WECOM_OAUTH_BASE", default="https://open.weixin.qq.com")
# People the platform knows but Collab does not: refused (default) or given an account.
COLLAB_SSO_CREATE_USERS = env.bool("COLLAB_SSO_CREATE_USERS", default=False)
# Off: only superusers sign in with a password (staff can also turn it off in the admin).
COLLAB_LOCAL_PASSWORDS = env.bool("COLLAB_LOCAL_PASSWORDS", default=True)
COLLAB_SSO_HTTP_TIMEOUT = env.float("COLLAB_SSO_HTTP_TIMEOUT", default=10.0)
SOCIALACCOUNT_PROVIDERS = {
    "dingtalk": {"provider_class": "collab.identity.providers.dingtalk.provider.DingTalkProvider"},
    "feishu": {"provider_class": "collab.identity.providers.feishu.provider.FeishuProvider"},
    "openid_connect": {"OAUTH_PKCE_ENABLED": True},
    "wecom": {},
}
if COLLAB_DINGTALK_CLIENT_ID and COLLAB_DINGTALK_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["dingtalk"]["APP"] = {
        "client_id": COLLAB_DINGTALK_CLIENT_ID,
        "secret": COLLAB_DINGTALK_CLIENT_SECRET,
    }
if COLLAB_FEISHU_APP_ID and COLLAB_FEISHU_APP_SECRET:
    SOCIALACCOUNT_PROVIDERS["feishu"]["APP"] = {
        "client_id": COLLAB_FEISHU_APP_ID,
        "secret": COLLAB_FEISHU_APP_SECRET,
    }
if COLLAB_WECOM_CORP_ID and COLLAB_WECOM_AGENT_ID and COLLAB_WECOM_SECRET:
    SOCIALACCOUNT_PROVIDERS["wecom"]["APP"] = {
        "client_id": COLLAB_WECOM_CORP_ID,
        "secret": COLLAB_WECOM_SECRET,
        "key": COLLAB_WECOM_AGENT_ID,
    }
if COLLAB_OIDC_ISSUER and COLLAB_OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": "oidc",
            "name": COLLAB_OIDC_NAME,
            "client_id": COLLAB_OIDC_CLIENT_ID,
            "secret": COLLAB_OIDC_CLIENT_SECRET,
            "settings": {"server_url": COLLAB_OIDC_ISSUER},
        }
    ]
ACCOUNT_ADAPTER = "collab.identity.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "collab.identity.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = COLLAB_SSO_HTTP_TIMEOUT

# Enterprise platforms (collab/identity/platforms.py): the org sync reads their
# contacts, personal work notices use their message APIs, with the client ids, secrets
# and API bases of single sign-on below; besides those:
COLLAB_DINGTALK_AGENT_ID = env("COLLAB_DINGTALK_AGENT_ID", default="")
COLLAB_WECOM_CONTACTS_SECRET = env("COLLAB_WECOM_CONTACTS_SECRET", default="")
COLLAB_LDAP_URL = env("COLLAB_LDAP_URL", default="")
COLLAB_LDAP_BIND_DN = env("COLLAB_LDAP_BIND_DN", default="")
COLLAB_LDAP_BIND_PASSWORD = env("COLLAB_LDAP_BIND_PASSWORD", default="")
COLLAB_LDAP_START_TLS = env.bool("COLLAB_LDAP_START_TLS", default=False)
COLLAB_LDAP_BASE_DN = env("COLLAB_LDAP_BASE_DN", default="")
COLLAB_LDAP_USER_FILTER = env("COLLAB_LDAP_USER_FILTER", default="(objectClass=inetOrgPerson)")
COLLAB_LDAP_DEPARTMENT_FILTER = env(
    "COLLAB_LDAP_DEPARTMENT_FILTER", default="(objectClass=organizationalUnit)"
)
COLLAB_LDAP_USER_ID_ATTR = env("COLLAB_LDAP_USER_ID_ATTR", default="uid")
# The nightly org sync: source (dingtalk, feishu, wecom, ldap; empty = off) and time.
COLLAB_ORG_SYNC_SOURCE = env("COLLAB_ORG_SYNC_SOURCE", default="")
COLLAB_ORG_SYNC_TIME = env("COLLAB_ORG_SYNC_TIME", default="02:30")

__all__ = [name for name in dir() if name.isupper()]
