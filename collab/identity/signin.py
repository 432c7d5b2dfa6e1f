"""The sign-in policy staff set in the admin (登录策略)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInPolicy(models.Model):
    """One row: whether people other than superusers may sign in with a local password."""

    local_passwords = models.BooleanField(
        _("允许本地密码登录"),
        default=True,
        help_text=_("关闭后只有超级管理员能用密码登录，其他人须通过单点登录"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("登录策略")
        verbose_name_plural = _("登录策略")

    def __str__(self):
        return str(_("登录策略"))

    @classmethod
    def current(cls) -> "SignInPolicy":
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls()
