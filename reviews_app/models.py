"""Template 4 成果验收与复盘表: acceptance against the criteria, then the retrospective."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from simple_history.models import HistoricalRecords

from collab.core import fields

from .lifecycle import (
    ACCEPTANCE_LIFECYCLE,
    ACCEPTANCE_STAGE,
    ACTION_LIFECYCLE,
    RETROSPECTIVE_LIFECYCLE,
    AcceptanceStatus,
    ActionStatus,
    RetrospectiveStatus,
)

__all__ = ["ACCEPTANCE_STAGE", "AcceptanceStatus", "ActionStatus", "RetrospectiveStatus"]

RETROSPECTIVE_WINDOW = timedelta(days=7)


class AcceptanceCriterion(models.Model):
    """One line of the acceptance criteria checklist (成果验收标准) of a requirement."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        on_delete=models.CASCADE,
        related_name="acceptance_criteria",
        verbose_name=_("需求"),
    )
    text = fields.CharField(_("验收标准"), max_length=500)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement", "position", "id"]
        verbose_name = _("验收标准")
        verbose_name_plural = _("验收标准")

    def __str__(self):
        return self.text


class QualityRating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Acceptance(FSMModelMixin, models.Model):
    """One acceptance (成果验收) of a requirement; a failed one is followed by another."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        on_delete=models.CASCADE,
        related_name="acceptances",
        verbose_name=_("需求"),
    )
    attempt = models.PositiveIntegerField(_("验收次数"), default=1, editable=False)
    accepted_on = fields.DateField(_("验收日期"))
    departments = models.ManyToManyField(
        "accounts.Department",
        verbose_name=_("验收小组"),
        related_name="acceptances",
        help_text=_("参与验收并签字的部门"),
    )
    quality_rating = models.CharField(
        _("成果质量评价"), max_length=10, choices=QualityRating.choices, blank=True
    )
    quality_comment = fields.TextField(_("评价说明"), blank=True, max_length=fields.TEXT_SHORT)
    status = FSMField(
        _("验收状态"),
        max_length=10,
        choices=AcceptanceStatus.choices,
        default=AcceptanceStatus.DRAFT,
        protected=True,
    )
    round = models.PositiveIntegerField(_("签字轮次"), default=1, editable=False)
    failure_reason = fields.TextField(
        _("不通过原因"), blank=True, editable=False, max_length=fields.TEXT_SHORT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    decided_at = models.DateTimeField(_("结论时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    signoffs = GenericRelation("signoffs.SignOff")
    history = HistoricalRecords(m2m_fields=[departments])

    class Meta:
        ordering = ["-requirement_id", "-attempt"]  # the (requirement, attempt) index, backwards
        verbose_name = _("成果验收")
        verbose_name_plural = _("成果验收")
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "attempt"],
                name="acceptance_attempt",
                violation_error_message=_("本需求的这一次验收已经发起"),
            ),
            # At most one acceptance in progress or passed per requirement.
            models.UniqueConstraint(
                fields=["requirement"],
                condition=~Q(status="failed"),
                name="one_open_acceptance",
                violation_error_message=_("该需求已有进行中或已通过的验收"),
            ),
        ]

    def __str__(self):
        return gettext("%(number)s 第%(attempt)s次验收") % {
            "number": self.requirement.number,
            "attempt": self.attempt,
        }

    # Sign-off point: the initiating department and every acceptance-group department.
    def signoff_round(self, stage: str) -> int:
        return self.round

    def signoff_open(self, stage: str) -> bool:
        return self.status == AcceptanceStatus.SIGNING

    def signoff_slots(self, stage: str):
        from .acceptance.selectors import acceptance_slots

        return acceptance_slots(self)

    @ACCEPTANCE_LIFECYCLE.transition("submit")
    def submit(self):
        pass

    @ACCEPTANCE_LIFECYCLE.transition("revise")
    def revise(self):
        # Edits after signatures start a new signing round.
        self.round += 1

    @ACCEPTANCE_LIFECYCLE.transition("accept")
    def accept(self):
        pass

    @ACCEPTANCE_LIFECYCLE.transition("fail")
    def fail(self, reason_text: str):
        self.failure_reason = reason_text


class CriterionResult(models.Model):
    """Pass or fail of one criterion in one acceptance; the text is kept as judged."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="results", verbose_name=_("验收")
    )
    criterion = models.ForeignKey(
        AcceptanceCriterion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="results",
        verbose_name=_("验收标准"),
    )
    text = fields.CharField(_("验收标准"), max_length=500)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    passed = models.BooleanField(_("是否通过"), null=True, blank=True)
    comment = fields.TextField(_("说明"), blank=True, max_length=fields.TEXT_SHORT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["acceptance", "position", "id"]
        verbose_name = _("验收标准结论")
        verbose_name_plural = _("验收标准结论")

    def __str__(self):
        return self.text


class Deliverable(models.Model):
    """One line of the deliverables list (交付成果清单), linked to the task that produced it."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("验收")
    )
    name = fields.CharField(_("交付成果"), max_length=300)
    task = models.ForeignKey(
        "tasks_app.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acceptance_deliverables",
        verbose_name=_("对应任务"),
    )
    note = fields.CharField(_("说明"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["acceptance", "position", "id"]
        verbose_name = _("交付成果")
        verbose_name_plural = _("交付成果清单")

    def __str__(self):
        return self.name


class GroupDissolution(models.Model):
    """The collaboration group was dissolved when the requirement completed.

    Group member rows stay so members keep read access; managing the group is refused.
    """

    requirement = models.OneToOneField(
        "requests_app.Requirement",
        on_delete=models.CASCADE,
        related_name="group_dissolution",
        verbose_name=_("需求"),
    )
    dissolved_at = models.DateTimeField(_("解散时间"), auto_now_add=True)
    dissolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )

    class Meta:
        verbose_name = _("小组解散记录")
        verbose_name_plural = _("小组解散记录")

    def __str__(self):
        return str(self.requirement)


class Retrospective(FSMModelMixin, models.Model):
    """The retrospective (复盘) held by the leader within a week after acceptance."""

    requirement = models.OneToOneField(
        "requests_app.Requirement",
        on_delete=models.CASCADE,
        related_name="retrospective",
        verbose_name=_("需求"),
    )
    acceptance = models.OneToOneField(
        Acceptance,
        on_delete=models.PROTECT,
        related_name="retrospective",
        verbose_name=_("成果验收"),
    )
    due_on = fields.DateField(_("复盘截止日期"), db_index=True)
    held_on = fields.DateField(_("复盘会日期"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复盘人"),
    )
    summary = fields.TextField(_("总结"), blank=True, max_length=fields.TEXT_LONG)
    status = FSMField(
        _("复盘状态"),
        max_length=10,
        choices=RetrospectiveStatus.choices,
        default=RetrospectiveStatus.DRAFT,
        protected=True,
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name = _("复盘")
        verbose_name_plural = _("复盘")
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["-due_on", "-id"], name="retrospective_due_idx"),
        ]

    def __str__(self):
        return gettext("%(number)s 复盘") % {"number": self.requirement.number}

    @staticmethod
    def due_after(accepted_on):
        return accepted_on + RETROSPECTIVE_WINDOW

    @RETROSPECTIVE_LIFECYCLE.transition("confirm")
    def confirm(self):
        pass


PERCENT_STEP = Decimal("0.01")


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 520, 12.5, 0.25."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def achievement_rate(target: Decimal, actual: Decimal) -> Decimal:
    """actual / target as a percentage rounded half-up to 0.01 (520 of 500 -> 104)."""
    return (Decimal(actual) * 100 / Decimal(target)).quantize(PERCENT_STEP, ROUND_HALF_UP)


def achievement_phrase(target: Decimal, actual: Decimal, unit: str = "") -> str:
    """The seed's phrasing: 超额4% above target, 达成 on target, 未达成，差20万元 below."""
    target, actual = Decimal(target), Decimal(actual)
    if actual > target:
        over = achievement_rate(target, actual) - 100
        return gettext("超额%(rate)s%%") % {"rate": format_decimal(over)}
    if actual == target:
        return gettext("达成")
    return gettext("未达成，差%(gap)s%(unit)s") % {
        "gap": format_decimal(target - actual),
        "unit": unit,
    }


class Metric(models.Model):
    """A goal achievement line (目标达成情况): target vs actual in one unit."""

    retrospective = models.ForeignKey(
        Retrospective, on_delete=models.CASCADE, related_name="metrics", verbose_name=_("复盘")
    )
    name = fields.CharField(_("指标"), max_length=100)
    unit = fields.CharField(_("单位"), max_length=20, blank=True)
    target = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4)
    actual = models.DecimalField(_("实际值"), max_digits=16, decimal_places=4)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["retrospective", "position", "id"]
        verbose_name = _("目标达成指标")
        verbose_name_plural = _("目标达成指标")
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="metric_target_positive"),
            models.CheckConstraint(condition=Q(actual__gte=0), name="metric_actual_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def achievement_rate(self) -> Decimal:
        return achievement_rate(self.target, self.actual)

    @property
    def rate_display(self) -> str:
        return f"{format_decimal(self.achievement_rate)}%"

    @property
    def phrase(self) -> str:
        return achievement_phrase(self.target, self.actual, self.unit)

    @property
    def target_display(self) -> str:
        return f"{format_decimal(self.target)}{self.unit}"

    @property
    def actual_display(self) -> str:
        return f"{format_decimal(self.actual)}{self.unit}"


class FindingKind(models.TextChoices):
    HIGHLIGHT = "highlight", _("协作亮点")
    PROBLEM = "problem", _("存在问题")


class Finding(models.Model):
    """A highlight (协作亮点) or a problem (存在问题) of the retrospective."""

    retrospective = models.ForeignKey(
        Retrospective, on_delete=models.CASCADE, related_name="findings", verbose_name=_("复盘")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=FindingKind.choices)
    text = fields.CharField(_("内容"), max_length=500)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["retrospective", "kind", "position", "id"]
        verbose_name = _("亮点与问题")
        verbose_name_plural = _("亮点与问题")
        indexes = [models.Index(fields=["kind", "retrospective"])]

    def __str__(self):
        return self.text


class ImprovementAction(FSMModelMixin, models.Model):
    """An improvement action (改进措施) with its owner, tracked until done."""

    retrospective = models.ForeignKey(
        Retrospective,
        on_delete=models.CASCADE,
        related_name="improvements",
        verbose_name=_("复盘"),
    )
    action = fields.CharField(_("改进措施"), max_length=500)
    owner_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("责任部门"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("负责人"),
    )
    due_date = fields.DateField(_("完成期限"))
    status = FSMField(
        _("状态"),
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.OPEN,
        protected=True,
    )
    done_on = fields.DateField(_("完成日期"), null=True, blank=True, editable=False)
    result = fields.TextField(_("完成情况"), blank=True, max_length=fields.TEXT_SHORT)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("改进措施")
        verbose_name_plural = _("改进措施")
        indexes = [models.Index(fields=["owner_department", "status"])]

    def __str__(self):
        return self.action

    @ACTION_LIFECYCLE.transition("start")
    def start(self):
        pass

    @ACTION_LIFECYCLE.transition("finish")
    def finish(self, done_on, result: str = ""):
        self.done_on = done_on
        if result:
            self.result = result

    @ACTION_LIFECYCLE.transition("reopen")
    def reopen(self):
        self.done_on = None


class RetrospectiveRead(models.Model):
    """Read receipt: who has read a shared retrospective, and when first."""

    retrospective = models.ForeignKey(
        Retrospective, on_delete=models.CASCADE, related_name="reads", verbose_name=_("复盘")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("读者")
    )
    read_at = models.DateTimeField(_("阅读时间"), auto_now_add=True)

    class Meta:
        ordering = ["read_at", "id"]
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")
        constraints = [models.UniqueConstraint(fields=["retrospective", "user"], name="read_once")]

    def __str__(self):
        return f"{self.user} {self.read_at:%Y-%m-%d %H:%M}"
