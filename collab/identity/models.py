"""Links between Collab's people and departments and those of the platforms a company
already runs (DingTalk, Feishu, WeCom, an OpenID Connect provider, LDAP).

The org sync writes them; single sign-on reads them to find the person who signs in.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉")
    FEISHU = "feishu", _("飞书")
    WECOM = "wecom", _("企业微信")
    OIDC = "oidc", _("OpenID Connect")
    LDAP = "ldap", _("LDAP / AD")


class PlatformAccount(models.Model):
    """One person's account on one platform: the platform's user id within the company
    (DingTalk userid, Feishu user_id, WeCom userid, OIDC sub, LDAP DN), and where the
    platform has them, its company-wide and app-scoped ids (unionid / open_id)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="platform_accounts",
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("平台用户ID"), max_length=255)
    union_id = models.CharField(_("UnionID"), max_length=255, blank=True)
    open_id = models.CharField(_("OpenID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("平台账号")
        verbose_name_plural = _("平台账号")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="identity_account_platform_id"
            ),
            models.UniqueConstraint(fields=["platform", "user"], name="identity_account_per_user"),
        ]
        indexes = [models.Index(fields=["platform", "union_id"], name="identity_account_union")]

    def __str__(self):
        return f"{self.get_platform_display()}:{self.external_id}"


class PlatformDepartment(models.Model):
    """A platform's department id mapped to a Collab department (whose code, such as MKT,
    stays Collab's own)."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        related_name="platform_departments",
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("平台部门ID"), max_length=255)
    parent_external_id = models.CharField(_("上级平台部门ID"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("平台部门")
        verbose_name_plural = _("平台部门")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="identity_department_platform_id"
            ),
        ]

    def __str__(self):
        return f"{self.get_platform_display()}:{self.external_id}"


from .signin import SignInPolicy  # noqa: E402, F401  (the sign-in policy lives in its own module)
