"""Event webhooks: other systems subscribe to event kinds; every matching event is
POSTed to them as signed JSON (see webhooks.py). The deliveries are rows of the
notification machinery (`notifications.Delivery.subscription`), with its retries."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collab.core import fields


class WebhookSubscription(models.Model):
    name = fields.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"), max_length=200, help_text=_("用于 HMAC-SHA256 签名，至少 16 个字符")
    )
    # Event kinds (notifications.events.EVENT_TYPES keys) this subscription receives.
    kinds = models.JSONField(_("事件类型"), default=list)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")

    def __str__(self):
        return self.name

    def clean(self):
        from .webhooks import subscribable_kinds

        errors = {}
        if self.url and not self.url.startswith(("https://", "http://")):
            errors["url"] = _("接收地址必须以 http:// 或 https:// 开头")
        if len(self.secret or "") < 16:
            errors["secret"] = _("签名密钥至少 16 个字符")
        known = set(subscribable_kinds())
        if not isinstance(self.kinds, list) or not self.kinds:
            errors["kinds"] = _("请至少选择一种事件类型")
        elif unknown := [k for k in self.kinds if k not in known]:
            errors["kinds"] = _("未知的事件类型：%(kinds)s") % {
                "kinds": ", ".join(map(str, unknown))
            }
        if errors:
            raise ValidationError(errors)
