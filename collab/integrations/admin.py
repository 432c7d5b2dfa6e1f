from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from collab.notifications.models import Delivery

from . import webhooks
from .models import WebhookSubscription

RECENT = 20


class WebhookSubscriptionForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("事件类型"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        min_length=16,
        max_length=200,
        widget=forms.PasswordInput(render_value=True),
        help_text=_("用于 HMAC-SHA256 签名，至少 16 个字符"),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "kinds", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = webhooks.kind_choices()


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SimpleHistoryAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["delivery_log"]
    actions = ["send_test"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "secret", "kinds", "is_active"]
        return [*fields, "delivery_log"] if obj else fields

    def save_model(self, request, obj, form, change):
        webhooks.subscription_save(subscription=obj, actor=request.user)

    @admin.display(description=_("发送记录"))
    def delivery_log(self, obj):
        rows = (
            Delivery.objects.filter(subscription=obj)
            .select_related("alert")
            .order_by("-created_at", "-id")[:RECENT]
        )
        full = reverse("admin:notifications_delivery_changelist") + (
            f"?subscription__id__exact={obj.pk}"
        )
        lines = format_html_join(
            "",
            '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    reverse("admin:notifications_delivery_change", args=[d.pk]),
                    d.pk,
                    d.alert.kind,
                    d.get_status_display(),
                    d.attempts,
                    d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    d.last_error[:120],
                )
                for d in rows
            ),
        )
        return format_html(
            '<table id="delivery-log">{}</table><p><a href="{}">{}</a></p>',
            lines,
            full,
            _("全部发送记录"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/send-test/",
                self.admin_site.admin_view(require_POST(self.send_test_view)),
                name="integrations_webhooksubscription_send_test",
            ),
            *super().get_urls(),
        ]

    def send_test_view(self, request, pk):
        subscription = get_object_or_404(WebhookSubscription, pk=pk)
        if not self.has_change_permission(request, subscription):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        delivery = webhooks.subscription_send_test(subscription=subscription, actor=request.user)
        self.message_user(
            request, _("测试事件已排队发送（发送记录 #%(id)s）") % {"id": delivery.pk}
        )
        return redirect("admin:integrations_webhooksubscription_change", pk)

    @admin.action(description=_("发送测试事件"))
    def send_test(self, request, queryset):
        for subscription in queryset:
            webhooks.subscription_send_test(subscription=subscription, actor=request.user)
        self.message_user(request, _("测试事件已排队发送"), messages.SUCCESS)
