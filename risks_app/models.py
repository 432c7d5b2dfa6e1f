"""Template 3 风险与问题登记表 (risk and issue register), escalations and reallocations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from simple_history.models import HistoricalRecords

from collab.core import fields

from . import rules as perms
from .lifecycle import ACTIVE_STATUSES, LIFECYCLE, RiskStatus

__all__ = ["ACTIVE_STATUSES", "RiskStatus"]


class RiskKind(models.TextChoices):
    RISK = "risk", _("风险")
    ISSUE = "issue", _("问题")


class Impact(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


IMPACT_ORDER = [Impact.HIGH, Impact.MEDIUM, Impact.LOW]
STATUS_ORDER = [RiskStatus.OPEN, RiskStatus.IN_PROGRESS, RiskStatus.RESOLVED, RiskStatus.CLOSED]


class Risk(FSMModelMixin, models.Model):
    """One row of template 3: a potential risk (风险) or an occurred issue (问题)."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="risks",
    )
    task = models.ForeignKey(
        "tasks_app.Task",
        verbose_name=_("关联任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
    )
    code = models.CharField(_("记录ID"), max_length=8, editable=False)
    kind = models.CharField(
        _("类型"), max_length=10, choices=RiskKind.choices, default=RiskKind.RISK
    )
    description = fields.TextField(_("风险/问题描述"))
    impact = models.CharField(
        _("影响等级"), max_length=10, choices=Impact.choices, default=Impact.MEDIUM
    )
    owner_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("责任部门"),
        on_delete=models.PROTECT,
        related_name="owned_risks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_risks",
    )
    occurred_on = fields.DateField(_("发生时间"))
    planned_resolution = fields.DateField(_("计划解决时间"))
    actual_resolution = fields.DateField(_("实际解决时间"), null=True, blank=True)
    measures = fields.TextField(_("解决措施"), blank=True)
    result = fields.CharField(_("处理结果"), max_length=200, blank=True)
    status = FSMField(
        _("状态"),
        max_length=20,
        choices=RiskStatus.choices,
        default=RiskStatus.OPEN,
        protected=True,
    )
    reopen_reason = fields.TextField(
        _("重新打开原因"), blank=True, editable=False, max_length=fields.TEXT_SHORT
    )
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True, editable=False)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    escalation_note = fields.TextField(
        _("上报说明"), blank=True, editable=False, max_length=fields.TEXT_SHORT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement", "code"]
        verbose_name = _("风险与问题")
        verbose_name_plural = _("风险与问题登记")
        indexes = [
            models.Index(fields=["requirement", "status"]),
            models.Index(fields=["status", "planned_resolution"]),
            models.Index(fields=["impact", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "code"],
                name="risk_code_unique",
                violation_error_message=_("该记录ID在本需求中已存在"),
            ),
            models.CheckConstraint(
                condition=Q(planned_resolution__gte=models.F("occurred_on")),
                name="risk_planned_not_before_occurred",
            ),
            models.CheckConstraint(
                condition=Q(actual_resolution__isnull=True)
                | Q(actual_resolution__gte=models.F("occurred_on")),
                name="risk_actual_not_before_occurred",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.description[:30]}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("risks:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Still open after its planned resolution date."""
        return self.is_active and self.planned_resolution < timezone.localdate()

    @property
    def resolved_late(self) -> bool:
        return bool(self.actual_resolution and self.actual_resolution > self.planned_resolution)

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None

    @property
    def owner_label(self) -> str:
        if self.owner_id:
            return f"{self.owner_department.name}/{self.owner.label}"
        return self.owner_department.masked_name

    def may_convene_special_meeting(self, user) -> bool:
        """Hook of meetings: an issue's owner convenes its special meeting."""
        return self.kind == RiskKind.ISSUE and bool(perms.can_work_on(user, self))

    # Transitions are declared in lifecycle.py; these methods only set state.
    @LIFECYCLE.transition("start")
    def start(self):
        pass

    @LIFECYCLE.transition("resolve")
    def resolve(self):
        self.reopen_reason = ""

    @LIFECYCLE.transition("close")
    def close(self):
        pass

    @LIFECYCLE.transition("reopen")
    def reopen(self, reason_text: str):
        self.reopen_reason = reason_text
        self.actual_resolution = None
        self.result = ""


class Reallocation(models.Model):
    """A resource change the coordinator made for an escalated record (调配资源)."""

    class Change(models.TextChoices):
        OWNER = "owner", _("更换负责人")
        DATES = "dates", _("调整计划时间")
        PEOPLE = "people", _("增加协作人")

    risk = models.ForeignKey(
        Risk, verbose_name=_("风险/问题"), on_delete=models.CASCADE, related_name="reallocations"
    )
    task = models.ForeignKey(
        "tasks_app.Task", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="+"
    )
    change = models.CharField(_("调整类型"), max_length=10, choices=Change.choices)
    detail = fields.CharField(_("调整内容"), max_length=500)
    reason = fields.TextField(_("原因"), max_length=fields.TEXT_SHORT)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("资源调配")
        verbose_name_plural = _("资源调配")

    def __str__(self):
        return f"{self.get_change_display()}: {self.detail}"
