"""One shared document store (信息管理): documents of a requirement, their versions,
per-document view/edit grants and the download log.

Files live in the private `documents` storage (see settings.STORAGES); rows keep only
the storage key, so nothing is reachable through a public media URL.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collab.core import fields


class Category(models.TextChoices):
    REQUIREMENT_FORM = "requirement_form", _("需求表")
    PLAN = "plan", _("方案")
    MINUTES = "minutes", _("会议纪要")
    DELIVERABLE = "deliverable", _("交付成果")
    ACCEPTANCE = "acceptance", _("验收报告")
    OTHER = "other", _("其他")


class Access(models.TextChoices):
    NONE = "none", _("不可见")
    VIEW = "view", _("查看")
    EDIT = "edit", _("编辑")


class Document(models.Model):
    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # Optional link to one object of the requirement: a task's deliverable, a plan,
    # a meeting's minutes, a risk record, the acceptance.
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("关联对象类型"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("关联对象"), null=True, blank=True)
    linked = GenericForeignKey("content_type", "object_id")
    linked_label = models.CharField(
        _("关联对象名称"),
        max_length=255,
        blank=True,
        help_text=_("关联时的对象名称，列表中直接显示"),
    )
    title = fields.CharField(_("标题"), max_length=200)
    category = models.CharField(
        _("类别"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="owned_documents",
    )
    group_access = models.CharField(
        _("协作小组权限"),
        max_length=8,
        choices=Access.choices,
        default=Access.VIEW,
        help_text=_("可见该需求的内部成员的默认权限；外部伙伴只看显式共享的文档"),
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        verbose_name=_("最新版本"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "title", "id"]
        verbose_name = _("文档")
        verbose_name_plural = _("文档")
        indexes = [
            models.Index(fields=["requirement", "category"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["deleted_at"]),
            models.Index(fields=["-updated_at", "-id"], name="document_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(content_type__isnull=True) & Q(object_id__isnull=True))
                | (Q(content_type__isnull=False) & Q(object_id__isnull=False)),
                name="document_link_complete",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class DocumentVersion(models.Model):
    """One uploaded file. Versions are only ever added; none is overwritten."""

    document = models.ForeignKey(
        Document, verbose_name=_("文档"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    storage_key = models.CharField(_("存储位置"), max_length=500, unique=True, editable=False)
    original_name = models.CharField(_("文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256 校验值"), max_length=64)
    note = fields.CharField(_("变更说明"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("文档版本")
        verbose_name_plural = _("文档版本")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_once")
        ]

    def __str__(self):
        return f"{self.document} V{self.number}"


class DocumentGrant(models.Model):
    """View or edit right on one document for a department or a person."""

    document = models.ForeignKey(
        Document, verbose_name=_("文档"), on_delete=models.CASCADE, related_name="grants"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(
        _("权限"),
        max_length=8,
        choices=[(Access.VIEW, Access.VIEW.label), (Access.EDIT, Access.EDIT.label)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("文档权限")
        verbose_name_plural = _("文档权限")
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(user__isnull=True))
                | (Q(department__isnull=True) & Q(user__isnull=False)),
                name="grant_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["document", "department"],
                condition=Q(department__isnull=False),
                name="grant_department_once",
            ),
            models.UniqueConstraint(
                fields=["document", "user"],
                condition=Q(user__isnull=False),
                name="grant_user_once",
            ),
        ]

    def __str__(self):
        return f"{self.grantee_label}: {self.get_level_display()}"

    @property
    def grantee_label(self) -> str:
        if self.department_id:
            return self.department.name
        return self.user.label


class DownloadLog(models.Model):
    """Who downloaded which version when. Rows are only appended, never changed, so
    they carry no separate change history."""

    document = models.ForeignKey(
        Document, verbose_name=_("文档"), on_delete=models.CASCADE, related_name="downloads"
    )
    version = models.ForeignKey(
        DocumentVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下载人"), on_delete=models.PROTECT
    )
    downloaded_at = models.DateTimeField(_("下载时间"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, default="web")

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        verbose_name = _("下载记录")
        verbose_name_plural = _("下载记录")

    def __str__(self):
        return f"{self.user} {self.version} {self.downloaded_at:%Y-%m-%d %H:%M}"
