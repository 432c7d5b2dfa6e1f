from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("检查中")
    PREVIEW = "preview", _("待确认")
    INVALID = "invalid", _("有错误")
    APPLYING = "applying", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("导入失败")


class RowAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("更新")
    UNCHANGED = "unchanged", _("无变化")
    CONFLICT = "conflict", _("冲突")
    ERROR = "error", _("错误")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ScopedMixin(models.Model):
    """The requirement an import or export belongs to (generic: the engine knows no
    register models). Empty for the requirement register itself."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class ImportBatch(ScopedMixin):
    """One uploaded workbook: its preview rows, then (once confirmed) its result."""

    register = models.CharField(_("登记表"), max_length=32)
    file = models.FileField(_("文件"), upload_to="spreadsheets/imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="import_batches",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    message = models.TextField(_("说明"), blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    create_rows = models.PositiveIntegerField(_("新增"), default=0)
    update_rows = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("无变化"), default=0)
    conflict_rows = models.PositiveIntegerField(_("冲突行"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行"), default=0)
    warning_rows = models.PositiveIntegerField(_("警告行"), default=0)
    file_format = models.CharField(_("文件格式"), max_length=8, default="xlsx")
    columns = models.JSONField(_("文件中的列"), default=list, blank=True)
    meta = models.JSONField(_("导出标记"), default=dict, blank=True)
    file_errors = models.JSONField(_("文件问题"), default=list, blank=True)
    state_token = models.CharField(_("预览时的数据版本"), max_length=128, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("待处理"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Excel 导入批次")
        verbose_name_plural = _("Excel 导入批次")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def valid(self) -> bool:
        return (
            self.status in (ImportStatus.PREVIEW, ImportStatus.DONE)
            and not self.error_rows
            and not self.file_errors
        )

    @property
    def from_export(self) -> bool:
        """The file carries the marker of a Collab export (row versions)."""
        return bool(self.meta)

    def progress(self) -> int:
        """Percent done of the running check or apply step (stored in the database, so
        the web process sees what the worker did)."""
        if self.status in (ImportStatus.CHECKING, ImportStatus.APPLYING):
            if not self.progress_total:
                return 0
            return min(99, int(self.progress_done * 100 / self.progress_total))
        return 100


class ImportRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField(_("行号"))
    key = models.CharField(_("匹配键"), max_length=64, blank=True)
    action = models.CharField(
        _("操作"), max_length=16, choices=RowAction.choices, default=RowAction.CREATE
    )
    values = models.JSONField(_("单元格"), default=dict)
    version = models.CharField(_("行版本"), max_length=255, blank=True)
    cell_errors = models.JSONField(_("单元格错误"), default=list, blank=True)
    changes = models.JSONField(_("变更"), default=list, blank=True)
    take_file = models.BooleanField(_("采用文件中的值"), default=False)
    # What confirming writes, decided at preview by the register's rules (None: the
    # register checks by a dry run instead, or the row is not to be written).
    plan = models.JSONField(_("写入内容"), null=True, blank=True, default=None)
    errors = models.JSONField(_("错误"), default=list)
    warnings = models.JSONField(_("警告"), default=list)

    class Meta:
        ordering = ["batch", "row"]
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="import_row_once")]

    def __str__(self):
        return f"{self.batch_id}:{self.row}"


class ExportJob(ScopedMixin):
    """A large export written in the background; the page polls it and offers the file."""

    register = models.CharField(_("登记表"), max_length=32)
    file_format = models.CharField(_("格式"), max_length=8, default="xlsx")
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    progress_done = models.PositiveIntegerField(_("已写入"), default=0)
    file = models.FileField(_("文件"), upload_to="spreadsheets/exports/%Y/%m/", blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Excel 导出任务")
        verbose_name_plural = _("Excel 导出任务")

    def __str__(self):
        return f"{self.register}.{self.file_format} ({self.get_status_display()})"

    def progress(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        done = self.progress_done
        return min(99, int(done * 100 / self.total_rows)) if self.total_rows else 0
