"""Saved views (保存的视图): a register's filters and sorting under a name, kept for
oneself or shared with the requirement's group."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.core import fields


class Register(models.TextChoices):
    TASKS = "tasks", _("任务分工与进度跟踪表")
    RISKS = "risks", _("风险与问题登记表")


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保存人"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    register = models.CharField(_("登记表"), max_length=10, choices=Register.choices)
    # Empty for the register across every requirement the person sees.
    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    name = fields.CharField(_("视图名称"), max_length=100)
    query = models.CharField(_("筛选与排序"), max_length=1000, blank=True)
    shared = models.BooleanField(_("与协作小组共享"), default=False)
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        ordering = ["register", "name", "id"]
        verbose_name = _("保存的视图")
        verbose_name_plural = _("保存的视图")
        indexes = [models.Index(fields=["requirement", "register", "shared"])]

    def __str__(self):
        return self.name
