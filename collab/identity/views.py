"""In-app 免登: inside the DingTalk or Feishu client the page asks the client's JS-API
for an auth code (dd.runtime.permission.requestAuthCode / tt.requestAuthCode) and posts
it here; the server exchanges it with the platform and signs the person in."""

from __future__ import annotations

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .adapters import refusal
from .platform_api import DingTalkApp, FeishuApp, PlatformError
from .providers.dingtalk.views import company_profile

PLATFORMS = {"dingtalk": _("钉钉"), "feishu": _("飞书")}


def _provider(request, provider_id: str):
    try:
        return get_adapter().get_provider(request, provider_id)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def _next(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _dingtalk_profile(code: str) -> dict:
    user = DingTalkApp.from_settings().user_by_code(code)
    data = {"userid": user["userid"], "unionid": user.get("unionid", ""), "name": user.get("name")}
    data.update({k: v for k, v in company_profile(data["unionid"], user["userid"]).items() if v})
    return data


def _feishu_profile(code: str) -> dict:
    app = FeishuApp.from_settings()
    token = app.user_token_by_code(code)
    return app.user_info(token["access_token"])


EXCHANGES = {"dingtalk": _dingtalk_profile, "feishu": _feishu_profile}


@require_http_methods(["GET", "POST"])
def inapp_login(request, provider_id: str):
    if provider_id not in EXCHANGES:
        raise Http404
    provider = _provider(request, provider_id)
    if request.method == "GET":
        return render(
            request,
            "identity/inapp.html",
            {
                "provider": provider,
                "platform": provider_id,
                "platform_name": PLATFORMS[provider_id],
                "corp_id": settings.COLLAB_DINGTALK_CORP_ID,
                "app_id": provider.app.client_id,
                "next": _next(request),
            },
        )
    code = request.POST.get("code", "").strip()
    if not code:
        return refusal(request, _("缺少免登授权码，请在客户端内重新打开本页面。"), status=400)
    try:
        data = EXCHANGES[provider_id](code)
    except (PlatformError, requests.RequestException, KeyError):
        return refusal(
            request,
            _("%(platform)s免登失败：授权码无效或已过期，请重新打开本页面。")
            % {"platform": PLATFORMS[provider_id]},
            status=400,
        )
    sociallogin = provider.sociallogin_from_response(request, data)
    sociallogin.state = {"process": "login", "next": _next(request) or None}
    return complete_social_login(request, sociallogin)
