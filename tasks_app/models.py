"""Template 2 任务分工与进度跟踪表 (tasks), daily progress updates and plans (方案)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from simple_history.models import HistoricalRecords

from collab.core import fields
from requests_app.models import Priority

from .lifecycle import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    PLAN_LIFECYCLE,
    PLAN_STAGE,
    TASK_LIFECYCLE,
    PlanStatus,
    TaskStatus,
)

__all__ = ["CLOSED_STATUSES", "OPEN_STATUSES", "PLAN_STAGE", "PlanStatus", "TaskStatus"]

WBS_CODE = RegexValidator(
    r"^[1-9]\d{0,3}(\.[1-9]\d{0,3}){0,5}$",
    _("任务ID应为工作分解编号，例如 1、1.1、2.3.1"),
)


def wbs_sort_key(code: str) -> str:
    """`1.10` sorts after `1.9`: each segment zero-padded to four digits."""
    return ".".join(part.zfill(4) for part in (code or "").split("."))


class Task(FSMModelMixin, models.Model):
    """One sub-task (子任务) of a requirement: one row of template 2."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    code = models.CharField(_("任务ID"), max_length=32, validators=[WBS_CODE])
    code_sort = models.CharField(max_length=64, editable=False, db_index=True)
    name = fields.CharField(_("子任务名称"), max_length=200)
    owner_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("负责部门"),
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    collaborating_departments = models.ManyToManyField(
        "accounts.Department",
        verbose_name=_("协作部门"),
        related_name="collaborating_tasks",
        blank=True,
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("协作人"),
        related_name="collaborating_tasks",
        blank=True,
    )
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("前置任务"),
        symmetrical=False,
        related_name="dependents",
        blank=True,
        help_text=_("完成-开始依赖：前置任务完成后本任务才能开始"),
    )
    planned_start = fields.DateField(_("计划开始时间"))
    planned_end = fields.DateField(_("计划结束时间"))
    actual_end = fields.DateField(_("实际完成时间"), null=True, blank=True)
    status = FSMField(
        _("当前状态"),
        max_length=20,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
        protected=True,
    )
    deliverable = fields.CharField(_("交付成果"), max_length=500, blank=True)
    priority = models.CharField(
        _("优先级"), max_length=2, choices=Priority.choices, default=Priority.P1
    )
    progress = models.PositiveSmallIntegerField(
        _("进度(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    block_reason = fields.TextField(_("阻塞原因"), blank=True, max_length=fields.TEXT_SHORT)
    cancel_reason = fields.TextField(_("取消原因"), blank=True, max_length=fields.TEXT_SHORT)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[collaborating_departments, collaborators])

    class Meta:
        # Newest requirement first (ids follow creation), then WBS order: one index
        # serves it, across requirements and inside one.
        ordering = ["-requirement_id", "code_sort", "id"]
        verbose_name = _("任务")
        verbose_name_plural = _("任务分工与进度")
        indexes = [
            models.Index(
                fields=["-requirement", "code_sort", "id"], name="task_register_order_idx"
            ),
            models.Index(
                fields=["planned_end", "code_sort", "id"], name="task_planned_end_order_idx"
            ),
            models.Index(fields=["requirement", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "planned_end"]),
            # Tasks finished in a period (department KPIs).
            models.Index(fields=["status", "actual_end"], name="task_finished_idx"),
            # A requirement's earliest open task (portfolio health, next milestone):
            # one index entry per requirement.
            models.Index(
                fields=["requirement", "planned_end"],
                condition=Q(status__in=OPEN_STATUSES),
                name="task_open_end_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "code"],
                name="task_code_unique",
                violation_error_message=_("该任务ID在本需求中已存在"),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="task_end_not_before_start",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_max_100"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.code_sort = wbs_sort_key(self.code)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "code" in update_fields:
            kwargs["update_fields"] = {*update_fields, "code_sort"}
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    # Transitions are declared in lifecycle.py; these methods only set state.
    @TASK_LIFECYCLE.transition("start")
    def start(self):
        pass

    @TASK_LIFECYCLE.transition("block")
    def block(self, reason_text: str = ""):
        self.block_reason = reason_text

    @TASK_LIFECYCLE.transition("unblock")
    def unblock(self):
        self.block_reason = ""

    @TASK_LIFECYCLE.transition("finish")
    def finish(self, actual_end=None):
        self.actual_end = actual_end
        self.progress = 100

    @TASK_LIFECYCLE.transition("reopen")
    def reopen(self):
        self.actual_end = None

    @TASK_LIFECYCLE.transition("cancel")
    def cancel(self, reason_text: str = ""):
        self.cancel_reason = reason_text


class ProgressUpdate(models.Model):
    """Daily progress (日常执行) or a collaborator's comment on a task."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进度更新")
        COMMENT = "comment", _("评论")

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.PROGRESS)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="task_updates",
    )
    progress = models.PositiveSmallIntegerField(
        _("进度(%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    note = fields.TextField(_("进展说明"), max_length=fields.TEXT_SHORT)
    expected_end = fields.DateField(_("预计完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("进度更新")
        verbose_name_plural = _("进度更新")
        indexes = [models.Index(fields=["task", "-created_at"])]

    def __str__(self):
        return f"{self.task.code} {self.note[:30]}"


class BudgetUnit(models.TextChoices):
    WAN_YUAN = "wan_yuan", _("万元")
    YUAN = "yuan", _("元")


class Plan(FSMModelMixin, models.Model):
    """A plan (专项方案) for a task, or for the whole requirement when `task` is empty."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="plans",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        on_delete=models.CASCADE,
        related_name="plans",
        null=True,
        blank=True,
    )
    title = fields.CharField(_("方案标题"), max_length=200)
    body = fields.TextField(_("实施步骤"), max_length=fields.TEXT_LONG)
    budget_amount = models.DecimalField(
        _("预算金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_unit = models.CharField(
        _("预算单位"), max_length=10, choices=BudgetUnit.choices, default=BudgetUnit.WAN_YUAN
    )
    people = fields.TextField(_("人员"), blank=True)
    tools = fields.TextField(_("工具与物资"), blank=True)
    contingency = fields.TextField(_("风险预案"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    status = FSMField(
        _("方案状态"),
        max_length=20,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        protected=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编写人"),
        on_delete=models.PROTECT,
        related_name="authored_plans",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    signoffs = GenericRelation("signoffs.SignOff")
    history = HistoricalRecords()

    class Meta:
        # Task plans in WBS order, then the requirement's overall plans (no task), the
        # same on every database (SQLite sorts NULL first by default, PostgreSQL last).
        ordering = ["-requirement_id", F("task__code_sort").asc(nulls_last=True), "id"]
        verbose_name = _("方案")
        verbose_name_plural = _("方案")
        indexes = [models.Index(fields=["requirement", "status"])]

    def __str__(self):
        return f"{self.title} v{self.version}"

    # Sign-off point: plan approval; the round is the version.
    def signoff_round(self, stage: str) -> int:
        return self.version

    def signoff_open(self, stage: str) -> bool:
        return self.status == PlanStatus.IN_REVIEW

    def signoff_slots(self, stage: str):
        from .selectors import plan_slots

        return plan_slots(self)

    @PLAN_LIFECYCLE.transition("submit")
    def submit(self):
        pass

    @PLAN_LIFECYCLE.transition("approve")
    def approve(self):
        pass

    @PLAN_LIFECYCLE.transition("revise")
    def revise(self):
        self.version += 1


class PlanVersion(models.Model):
    """The content of a plan as submitted for review, one row per version."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("版本"))
    title = fields.CharField(_("方案标题"), max_length=200)
    body = fields.TextField(_("实施步骤"), max_length=fields.TEXT_LONG)
    budget_amount = models.DecimalField(
        _("预算金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_unit = models.CharField(_("预算单位"), max_length=10, choices=BudgetUnit.choices)
    people = fields.TextField(_("人员"), blank=True)
    tools = fields.TextField(_("工具与物资"), blank=True)
    contingency = fields.TextField(_("风险预案"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "-version"]
        verbose_name = _("方案版本")
        verbose_name_plural = _("方案版本")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "version"],
                name="plan_version_unique",
                violation_error_message=_("该方案的这一版本已经存在"),
            )
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"


class PlanComment(models.Model):
    """A department's review comment (评审意见) on one version of a plan."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="comments"
    )
    version = models.PositiveIntegerField(_("版本"))
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评审人"), on_delete=models.PROTECT
    )
    body = fields.TextField(_("评审意见"), max_length=fields.TEXT_SHORT)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "version", "created_at", "id"]
        verbose_name = _("方案评审意见")
        verbose_name_plural = _("方案评审意见")

    def __str__(self):
        return f"{self.department} v{self.version}"


class Baseline(models.Model):
    """The planned dates of every task of a requirement at one moment (基线): saved
    automatically when the requirement starts, and by the leader under a name."""

    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    name = fields.CharField(_("基线名称"), max_length=100)
    automatic = models.BooleanField(_("开始执行时自动保存"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保存人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        ordering = ["requirement", "-created_at", "-id"]
        verbose_name = _("基线")
        verbose_name_plural = _("基线")
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "name"],
                name="baseline_name_unique",
                violation_error_message=_("本需求已有同名基线"),
            )
        ]

    def __str__(self):
        return f"{self.requirement_id} {self.name}"


class BaselineTask(models.Model):
    """One task's planned dates in a baseline."""

    baseline = models.ForeignKey(
        Baseline, verbose_name=_("基线"), on_delete=models.CASCADE, related_name="entries"
    )
    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="baseline_entries"
    )
    planned_start = models.DateField(_("计划开始时间"))
    planned_end = models.DateField(_("计划结束时间"))

    class Meta:
        ordering = ["baseline", "task__code_sort", "id"]
        verbose_name = _("基线任务")
        verbose_name_plural = _("基线任务")
        constraints = [
            models.UniqueConstraint(fields=["baseline", "task"], name="baseline_task_unique")
        ]

    def __str__(self):
        return f"{self.task_id} {self.planned_start}~{self.planned_end}"
