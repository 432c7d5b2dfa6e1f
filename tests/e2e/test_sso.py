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
