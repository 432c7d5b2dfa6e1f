"""Single sign-on end to end through the Django test client against local fakes of
DingTalk, Feishu, WeCom and an OpenID Connect provider."""

from urllib.parse import parse_qs, urlsplit

import pytest

from collab.identity.models import PlatformAccount
from tests.identity.conftest import sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


def link(user, platform, external_id):
    """What the org sync records for a person."""
    return PlatformAccount.objects.create(user=user, platform=platform, external_id=external_id)


# --- nothing configured -----------------------------------------------------------


def test_without_providers_the_login_page_has_no_buttons_and_passwords_work(client, org):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"sso-options" not in page.content
    assert "form-action 'self';" in page["Content-Security-Policy"] + ";"
    response = client.post("/login/", {"username": "mkt_head", "password": "collab-demo"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == org["users"]["mkt_head"].pk


def test_unconfigured_provider_answers_404(client, org):
    assert client.post("/accounts/dingtalk/inapp/", {"code": "x"}).status_code == 404


def test_buttons_only_for_configured_providers(client, org, dingtalk, oidc):
    page = client.get("/login/")
    content = page.content.decode()
    # the buttons' forms may go on to the providers' login pages, and nowhere else
    form_action = next(
        d for d in page["Content-Security-Policy"].split(";") if "form-action" in d
    ).split()
    assert sorted(form_action[1:]) == sorted(["'self'", dingtalk.url, oidc.url])
    assert 'id="sso-dingtalk"' in content
    assert 'id="sso-oidc"' in content
    assert "使用统一身份认证登录" in content
    assert 'id="sso-feishu"' not in content and 'id="sso-wecom"' not in content


# --- DingTalk ------------------------------------------------------------------------


def test_dingtalk_login_matches_the_synced_userid(client, org, dingtalk):
    user = org["users"]["mkt_head"]
    link(user, "dingtalk", "dt-mkt-head")
    dingtalk.add_user("dt-mkt-head", "市场部负责人", mobile="13900000009")
    dingtalk.signed_in = "dt-mkt-head"
    response = sign_in(client, "/accounts/dingtalk/login/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == user.pk
    account = PlatformAccount.objects.get(user=user, platform="dingtalk")
    assert account.union_id == "union-dt-mkt-head"
    # the login page asked for the documented scope and consent prompt
    assert dingtalk.count("/v1.0/oauth2/userAccessToken") == 1
    assert dingtalk.count("/topapi/user/getbyunionid") == 1


def test_dingtalk_login_by_mobile_links_the_account(client, org, dingtalk):
    user = org["users"]["prd_head"]
    user.phone = "138-0000-0001"
    user.save()
    dingtalk.add_user("dt-prd", "产品部负责人", mobile="13800000001")
    dingtalk.signed_in = "dt-prd"
    sign_in(client, "/accounts/dingtalk/login/")
    assert signed_in_user_id(client) == user.pk
    assert PlatformAccount.objects.get(platform="dingtalk", external_id="dt-prd").user == user


def test_dingtalk_unknown_person_is_refused(client, org, dingtalk):
    dingtalk.add_user("dt-stranger", "陌生人", mobile="13700000000")
    dingtalk.signed_in = "dt-stranger"
    response = sign_in(client, "/accounts/dingtalk/login/")
    assert response.status_code == 403
    assert "您的钉钉账号（陌生人）尚未开通 Collab，请联系管理员" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not PlatformAccount.objects.filter(external_id="dt-stranger").exists()


def test_dingtalk_unknown_person_gets_an_account_when_allowed(client, org, dingtalk, settings):
    settings.COLLAB_SSO_CREATE_USERS = True
    dingtalk.add_user("dt-new", "新同事", org_email="new@corp.example")
    dingtalk.signed_in = "dt-new"
    sign_in(client, "/accounts/dingtalk/login/")
    account = PlatformAccount.objects.get(platform="dingtalk", external_id="dt-new")
    assert signed_in_user_id(client) == account.user_id
    assert account.user.email == "new@corp.example"
    assert account.user.display_name == "新同事"


def test_dingtalk_inapp_code_signs_in_and_refetches_an_expired_app_token(client, org, dingtalk):
    user = org["users"]["tec_head"]
    link(user, "dingtalk", "dt-tec")
    dingtalk.add_user("dt-tec", "技术部负责人")
    page = client.get("/accounts/dingtalk/inapp/?next=/tasks/")
    assert page.status_code == 200 and b'data-corp-id="ding-corp"' in page.content
    # a first sign-in caches the app token; then DingTalk expires it
    client.post("/accounts/dingtalk/inapp/", {"code": dingtalk.inapp_code("dt-tec")})
    assert signed_in_user_id(client) == user.pk
    client.logout()
    dingtalk.app_tokens.expire_all()
    response = client.post(
        "/accounts/dingtalk/inapp/", {"code": dingtalk.inapp_code("dt-tec"), "next": "/tasks/"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert signed_in_user_id(client) == user.pk
    assert dingtalk.count("/gettoken") == 2


def test_dingtalk_inapp_bad_code_is_refused(client, org, dingtalk):
    response = client.post("/accounts/dingtalk/inapp/", {"code": "used-or-made-up"})
    assert response.status_code == 400
    assert "钉钉免登失败：授权码无效或已过期" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_inactive_account_is_refused(client, org, dingtalk):
    user = org["users"]["ops_staff"]
    user.is_active = False
    user.save()
    link(user, "dingtalk", "dt-ops")
    dingtalk.add_user("dt-ops", "运营")
    response = client.post("/accounts/dingtalk/inapp/", {"code": dingtalk.inapp_code("dt-ops")})
    assert response.status_code == 403
    assert "您的 Collab 账号已停用" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_platform_id_already_linked_elsewhere_is_refused(client, org, dingtalk):
    # e-mail of sal_head, but sal_head is linked to another DingTalk person
    user = org["users"]["sal_head"]
    user.email = "sal@corp.example"
    user.save()
    link(user, "dingtalk", "dt-real-sal")
    dingtalk.add_user("dt-other", "别人", org_email="sal@corp.example")
    response = client.post("/accounts/dingtalk/inapp/", {"code": dingtalk.inapp_code("dt-other")})
    assert response.status_code == 403
    assert "已关联另一个钉钉账号" in response.content.decode()
    assert signed_in_user_id(client) is None


# --- Feishu --------------------------------------------------------------------------


def test_feishu_login_matches_by_enterprise_email(client, org, feishu):
    user = org["users"]["sal_head"]
    user.email = "Sal.Head@corp.example"
    user.save()
    feishu.add_user("fs-sal", "销售部负责人", enterprise_email="sal.head@corp.example")
    feishu.signed_in = "fs-sal"
    response = sign_in(client, "/accounts/feishu/login/")
    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk
    account = PlatformAccount.objects.get(user=user, platform="feishu")
    assert (account.external_id, account.open_id, account.union_id) == (
        "fs-sal",
        "ou_fs-sal",
        "on_fs-sal",
    )


def test_feishu_inapp_code_with_expired_app_token(client, org, feishu):
    user = org["users"]["dsn_head"]
    link(user, "feishu", "fs-dsn")
    feishu.add_user("fs-dsn", "设计部负责人")
    client.post("/accounts/feishu/inapp/", {"code": feishu.code_for("fs-dsn")})
    assert signed_in_user_id(client) == user.pk
    client.logout()
    feishu.app_tokens.expire_all()
    client.post("/accounts/feishu/inapp/", {"code": feishu.code_for("fs-dsn")})
    assert signed_in_user_id(client) == user.pk
    assert feishu.count("/open-apis/auth/v3/app_access_token/internal") == 2


def test_feishu_expired_user_token_fails_cleanly(client, org, feishu):
    link(org["users"]["dsn_head"], "feishu", "fs-dsn")
    feishu.add_user("fs-dsn", "设计部负责人")
    feishu.signed_in = "fs-dsn"
    original = feishu.access_token

    def expiring(request):
        response = original(request)
        feishu.expired_user_tokens.add(response.body["data"]["access_token"])
        return response

    feishu.access_token = expiring
    response = sign_in(client, "/accounts/feishu/login/")
    assert response.status_code == 401
    assert "通过飞书登录失败" in response.content.decode()
    assert signed_in_user_id(client) is None


# --- WeCom ---------------------------------------------------------------------------


def test_wecom_qr_login_matches_the_synced_userid(client, org, wecom):
    user = org["users"]["ops_head"]
    link(user, "wecom", "wx-ops")
    wecom.add_member("wx-ops", "运营部负责人")
    wecom.signed_in = "wx-ops"
    start = client.post("/accounts/wecom/login/")
    assert urlsplit(start["Location"]).path == "/wwlogin/sso/login"
    response = sign_in(client, "/accounts/wecom/login/")
    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk


def test_wecom_in_client_login_binds_mobile_and_email(client, org, wecom):
    user = org["users"]["tec_staff"]
    user.email, user.phone = "", ""
    user.save()
    link(user, "wecom", "wx-tec")
    wecom.add_member("wx-tec", "技术员", mobile="+86 13600000002", biz_mail="tec@corp.example")
    wecom.signed_in = "wx-tec"
    agent = {"HTTP_USER_AGENT": "Mozilla/5.0 wxwork/4.1.0 MicroMessenger/7.0.1"}
    start = client.post("/accounts/wecom/login/", **agent)
    query = parse_qs(urlsplit(start["Location"]).query)
    assert urlsplit(start["Location"]).path == "/connect/oauth2/authorize"
    assert query["scope"] == ["snsapi_privateinfo"] and query["agentid"] == [wecom.agent_id]
    sign_in(client, "/accounts/wecom/login/", **agent)
    assert signed_in_user_id(client) == user.pk
    user.refresh_from_db()
    assert (user.email, user.phone) == ("tec@corp.example", "13600000002")


def test_wecom_expired_token_is_refetched_and_outsiders_refused(client, org, wecom):
    link(org["users"]["ops_head"], "wecom", "wx-ops")
    wecom.add_member("wx-ops", "运营部负责人")
    wecom.signed_in = "wx-ops"
    sign_in(client, "/accounts/wecom/login/")
    client.logout()
    wecom.app_tokens.expire_all()
    sign_in(client, "/accounts/wecom/login/")
    assert signed_in_user_id(client) == org["users"]["ops_head"].pk
    assert wecom.count("/cgi-bin/gettoken") == 2
    client.logout()
    wecom.signed_in = "someone-outside"
    response = sign_in(client, "/accounts/wecom/login/")
    assert response.status_code == 401
    assert "通过企业微信登录失败" in response.content.decode()
    assert signed_in_user_id(client) is None


# --- OpenID Connect ------------------------------------------------------------------


def test_oidc_login_by_verified_email(client, org, oidc):
    user = org["users"]["director"]
    user.email = "director@corp.example"
    user.save()
    oidc.add_person("kc-1", name="总监", email="director@corp.example")
    oidc.signed_in = "kc-1"
    response = sign_in(client, "/accounts/oidc/oidc/login/")
    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk
    assert PlatformAccount.objects.get(platform="oidc", user=user).external_id == "kc-1"
    # the second time the link is used, whatever the e-mail says
    client.logout()
    user.email = "changed@corp.example"
    user.save()
    sign_in(client, "/accounts/oidc/oidc/login/")
    assert signed_in_user_id(client) == user.pk


def test_oidc_unverified_email_does_not_match(client, org, oidc):
    user = org["users"]["director"]
    user.email = "director@corp.example"
    user.save()
    oidc.add_person("kc-2", name="冒充者", email="director@corp.example", email_verified=False)
    oidc.signed_in = "kc-2"
    response = sign_in(client, "/accounts/oidc/oidc/login/")
    assert response.status_code == 403
    assert "尚未开通 Collab" in response.content.decode()
    assert signed_in_user_id(client) is None


# --- local passwords off -------------------------------------------------------------


def test_local_passwords_off_leaves_superusers_and_sso(client, org, oidc, settings):
    settings.COLLAB_LOCAL_PASSWORDS = False
    response = client.post("/login/", {"username": "mkt_head", "password": "collab-demo"})
    assert response.status_code == 200
    assert "本地密码登录已关闭" in response.content.decode()
    assert signed_in_user_id(client) is None
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "mkt_head", "password": "collab-demo"},
        content_type="application/json",
    )
    assert token.status_code == 400
    client.post("/login/", {"username": "admin", "password": "collab-demo"})
    assert signed_in_user_id(client) == org["users"]["admin"].pk
    client.logout()
    user = org["users"]["mkt_head"]
    link(user, "oidc", "kc-mkt")
    oidc.add_person("kc-mkt", name="市场部负责人")
    oidc.signed_in = "kc-mkt"
    sign_in(client, "/accounts/oidc/oidc/login/")
    assert signed_in_user_id(client) == user.pk


def test_staff_turn_local_passwords_off_in_the_admin(client, org, oidc):
    admin = org["users"]["admin"]
    client.force_login(admin)
    response = client.post("/admin/identity/signinpolicy/add/", {})
    assert response.status_code == 302
    client.logout()
    refused = client.post("/login/", {"username": "mkt_head", "password": "collab-demo"})
    assert "本地密码登录已关闭" in refused.content.decode()
    assert signed_in_user_id(client) is None


def test_admin_refuses_turning_passwords_off_without_any_provider(client, org):
    client.force_login(org["users"]["admin"])
    response = client.post("/admin/identity/signinpolicy/add/", {})
    assert response.status_code == 200
    assert "尚未配置任何单点登录方式" in response.content.decode()
    client.logout()
    client.post("/login/", {"username": "mkt_head", "password": "collab-demo"})
    assert signed_in_user_id(client) == org["users"]["mkt_head"].pk
