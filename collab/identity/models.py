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


class SyncRun(models.Model):
    """One run of the org sync from a platform's contacts (or LDAP): what it found to
    add, change, move and deactivate, and whether it was applied."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已应用")
        DRY_RUN = "dry_run", _("试运行（未应用）")
        FAILED = "failed", _("失败")

    source = models.CharField(_("来源"), max_length=16, choices=Platform.choices)
    status = models.CharField(_("结果"), max_length=10, choices=Status.choices)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    added = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("变更"), default=0)
    moved = models.PositiveIntegerField(_("调动"), default=0)
    deactivated = models.PositiveIntegerField(_("停用"), default=0)
    flagged = models.PositiveIntegerField(_("本地修改"), default=0)
    # [{"action": "added"|"changed"|"moved"|"deactivated"|"flagged", "object": "…",
    #   "detail": "…"}] in the order found.
    lines = models.JSONField(_("明细"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    triggered_by = models.CharField(_("触发方式"), max_length=100, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("通讯录同步记录")
        verbose_name_plural = _("通讯录同步记录")
        indexes = [models.Index(fields=["source", "-started_at"], name="identity_syncrun_recent")]

    def __str__(self):
        return f"{self.get_source_display()} {self.started_at:%Y-%m-%d %H:%M}"


class SyncedProfile(models.Model):
    """What the source last said about a person (the fields it owns), their title there,
    and the source-owned fields edited in Collab since (kept, flagged, until an admin
    takes the source's values)."""

    account = models.OneToOneField(
        PlatformAccount,
        verbose_name=_("平台账号"),
        on_delete=models.CASCADE,
        related_name="synced_profile",
    )
    title = models.CharField(_("职务"), max_length=200, blank=True)
    source_values = models.JSONField(_("来源字段值"), default=dict, blank=True)
    local_edits = models.JSONField(_("本地修改的来源字段"), default=list, blank=True)
    left_at = models.DateTimeField(_("离职停用时间"), null=True, blank=True)
    synced_at = models.DateTimeField(_("同步时间"), auto_now=True)

    class Meta:
        verbose_name = _("同步人员")
        verbose_name_plural = _("同步人员")

    def __str__(self):
        return str(self.account)


class Handover(models.Model):
    """A person the sync deactivated: a coordinator reassigns their open work (a to-do
    until marked done)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("离职人员"),
        on_delete=models.CASCADE,
        related_name="handovers",
    )
    run = models.ForeignKey(
        SyncRun, verbose_name=_("同步记录"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("交接完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("离职交接")
        verbose_name_plural = _("离职交接")

    def __str__(self):
        return str(self.user)


from .signin import SignInPolicy  # noqa: E402, F401  (the sign-in policy lives in its own module)
