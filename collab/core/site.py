"""Site-wide pages every other page relies on: the error pages (403, 404, 405, 500) in
the reader's language with a way back, the favicon and the web app manifest."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

API_PREFIX = "/api/"


def _back_url(request) -> str:
    """Where "back" leads: the page the reader came from when it is on this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _error_page(request, status: int, title: str, message: str, reason: str = ""):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": reason or message}, status=status)
    context = {
        "status": status,
        "title": title,
        "message": message,
        "reason": reason,
        "back_url": _back_url(request),
    }
    return render(request, "errors/page.html", context, status=status)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    return _error_page(
        request,
        403,
        _("无权执行此操作"),
        _("您没有权限查看或执行这项操作。如需权限，请联系协作协调人或本部门负责人。"),
        reason,
    )


def page_not_found(request, exception=None):
    return _error_page(
        request,
        404,
        _("页面不存在"),
        _("您要找的页面不存在，或您没有查看它的权限。请检查链接，或从工作台重新进入。"),
    )


def method_not_allowed(request, response):
    """An action URL opened by a link (GET) instead of its button (POST)."""
    allowed = response.get("Allow", "")
    return _error_page(
        request,
        405,
        _("请通过页面上的按钮操作"),
        _("这个地址用于提交操作，不能直接打开。请回到上一页，使用页面上的按钮完成操作。"),
        _("允许的请求方式：%(methods)s") % {"methods": allowed} if allowed else "",
    )


def server_error(request):
    """Rendered without the request's context processors: the error may come from them."""
    template = loader.get_template("errors/500.html")
    body = template.render({"home_url": reverse("home")})
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("服务器内部错误")}, status=500)
    return HttpResponseServerError(body)


class MethodNotAllowedPageMiddleware:
    """Django answers a GET on a POST-only view with an empty 405; pages get the styled
    page instead (the API keeps its JSON answer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not request.path.startswith(API_PREFIX)
            and not response.content
        ):
            page = method_not_allowed(request, response)
            page["Allow"] = response.get("Allow", "")
            return page
        return response


def favicon(request):
    return HttpResponseRedirect(staticfiles_storage.url("icons/favicon.ico"))


@cache_control(max_age=86400, public=True)
def web_manifest(request):
    """The web app manifest: the site can be added to a phone's home screen."""
    icons = [
        {
            "src": staticfiles_storage.url(f"icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    icons.append(
        {"src": staticfiles_storage.url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
    )
    manifest = {
        "name": _("Collab 跨部门协作"),
        "short_name": "Collab",
        "description": _("跨部门协作流程标准化：需求、任务、风险与问题、验收与复盘"),
        "lang": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "zh-hans",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#212529",
        "icons": icons,
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
