from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .services import user_set_language, user_set_mask_names


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in user's own password; saving it revokes every API token of the user
    (collab.accounts.signals)."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改，您的 API 令牌已全部失效"))
        return response


@require_POST
def language_view(request):
    """The language switch: stored on the account of a signed-in person (their pages,
    e-mails and robot messages use it), and in the cookie for everyone."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language:
        try:
            user_set_language(user=request.user, language=language)
        except ValidationError:
            messages.error(request, _("不支持的语言"))
    return set_language(request)


@require_POST
@login_required
def mask_names_view(request):
    """Switches masked names in the person's own exports and prints on or off."""
    active = request.POST.get("mask_names") == "1"
    user_set_mask_names(user=request.user, active=active)
    if active:
        messages.success(request, _("已开启：您导出的表格和打印页中人名只保留姓（例如 王*）"))
    else:
        messages.success(request, _("已关闭：您导出的表格和打印页显示完整姓名"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)
