from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.translation import gettext_lazy as _

from .models import PlatformAccount
from .signin import SignInPolicy


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "external_id", "union_id", "open_id", "updated_at"]
    list_filter = ["platform"]
    search_fields = [
        "external_id",
        "union_id",
        "open_id",
        "user__username",
        "user__display_name",
        "user__email",
    ]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


class SignInPolicyForm(ModelForm):
    class Meta:
        model = SignInPolicy
        fields = ["local_passwords"]

    def clean_local_passwords(self):
        value = self.cleaned_data["local_passwords"]
        if not value and not configured_providers(self.request):
            raise ValidationError(
                _("尚未配置任何单点登录方式，关闭本地密码会使除超级管理员外的所有人无法登录。")
            )
        return value


def configured_providers(request):
    from allauth.socialaccount.adapter import get_adapter

    return get_adapter().list_providers(request)


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    """A single row: staff turn local passwords off (superusers keep theirs)."""

    form = SignInPolicyForm
    list_display = ["__str__", "local_passwords", "updated_by", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SignInPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if not obj.local_passwords:
            messages.warning(request, _("本地密码登录已关闭：只有超级管理员可以用密码登录。"))
