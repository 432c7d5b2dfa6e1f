"""Signing in in Chromium through the OpenID Connect fake and the DingTalk fake: the
login page's buttons, the provider's page and back to the workbench."""

import pytest

from collab.identity.models import PlatformAccount
from tests.identity.conftest import dingtalk, oidc  # noqa: F401  (fixtures)


@pytest.mark.slow
def test_sign_in_through_oidc_and_dingtalk(page, org, oidc, dingtalk):  # noqa: F811
    director = org["users"]["director"]
    director.email = "director@corp.example"
    director.save()
    oidc.add_person("kc-director", name="总监", email="director@corp.example")
    oidc.signed_in = "kc-director"
    mkt_head = org["users"]["mkt_head"]
    PlatformAccount.objects.create(user=mkt_head, platform="dingtalk", external_id="dt-mkt")
    dingtalk.add_user("dt-mkt", mkt_head.label)
    dingtalk.signed_in = "dt-mkt"

    page.goto("/login/")
    assert page.locator("#sso-options button").all_text_contents() == [
        "使用钉钉登录",
        "使用统一身份认证登录",
    ]
    page.click("#sso-oidc")
    page.wait_for_selector("#current-user")
    assert page.url.endswith("/")
    assert org["users"]["director"].label in page.locator("#current-user").text_content()
    assert oidc.count("/token") == 1

    page.context.clear_cookies()
    page.goto("/login/?next=/tasks/")
    page.click("#sso-dingtalk")
    page.wait_for_selector("#current-user")
    assert page.url.endswith("/tasks/")
    assert mkt_head.label in page.locator("#current-user").text_content()

    # someone DingTalk knows but Collab does not is told why, in Chinese
    dingtalk.add_user("dt-stranger", "陌生人")
    dingtalk.signed_in = "dt-stranger"
    page.context.clear_cookies()
    page.goto("/login/")
    page.click("#sso-dingtalk")
    assert "尚未开通 Collab" in page.locator("#sso-refused").text_content()
    assert page.locator("#current-user").count() == 0


@pytest.mark.slow
def test_dingtalk_in_app_page_loads_the_js_api_and_explains_itself_outside_the_client(
    page,
    org,
    dingtalk,  # noqa: F811
):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/dingtalk/inapp/")
    # The vendored JS-API gives the page DingTalk's auth-code call (no CDN needed) ...
    assert page.evaluate("typeof window.dd.runtime.permission.requestAuthCode") == "function"
    assert page.evaluate("window.dd.env.platform") == "notInDingTalk"
    # ... and outside the client the page says where to open it instead of waiting.
    page.wait_for_function(
        "document.getElementById('inapp-status').textContent.includes('客户端中打开')"
    )
    assert errors == []
