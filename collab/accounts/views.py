from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in user's own password; saving it revokes every API token of the user
    (collab.accounts.signals)."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改，您的 API 令牌已全部失效"))
        return response
