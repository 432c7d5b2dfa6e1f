from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collab.core import fields

from .masking import mask, names_masked_active


class Department(models.Model):
    """An internal department or an outside partner organization (渠道商A公司)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("内部部门")
        PARTNER = "partner", _("外部合作伙伴")

    code = models.CharField(
        _("代码"),
        max_length=16,
        unique=True,
        help_text=_("大写字母与数字，用于需求编号，例如 MKT"),
    )
    name = fields.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.INTERNAL)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name

    @property
    def is_partner(self) -> bool:
        return self.kind == self.Kind.PARTNER

    @property
    def masked_name(self) -> str:
        return f"{self.name}*"


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    display_name = fields.CharField(
        _("显示名"), max_length=100, blank=True, help_text=_("页面上显示的姓名，例如 王芳")
    )
    phone = fields.CharField(_("电话"), max_length=32, blank=True)
    is_coordinator = models.BooleanField(
        _("协作协调人"), default=False, help_text=_("接收需求、组织评审、处理上报")
    )
    language = models.CharField(
        _("界面语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        db_default="",
        help_text=_("页面、邮件和消息使用的语言；留空时按浏览器语言"),
    )
    mask_names = models.BooleanField(
        _("导出和打印时隐去姓名"),
        default=False,
        db_default=False,
        help_text=_("开启后，本人导出的 Excel/CSV 和打印页中人名只保留姓，例如 王芳 写作 王*"),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login", "language"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        name = self.display_name or self.get_full_name() or self.username
        return mask(name) if names_masked_active() else name

    @property
    def masked_label(self) -> str:
        """The name as masked exports and prints write it: 王芳 → 王*."""
        return mask(self.display_name or self.get_full_name() or self.username)

    @property
    def is_partner(self) -> bool:
        return self.department_id is not None and self.department.kind == Department.Kind.PARTNER
