from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from simple_history.models import HistoricalRecords

from collab.core import fields

from .lifecycle import LIFECYCLE, REVIEW_STAGE, RequirementStatus

__all__ = ["REVIEW_STAGE", "RequirementStatus"]


# Template 1's fields in the seed's order, shown by the form and the API alike.
SEED_FIELDS = (
    "contact_info",
    "topic",
    "goal",
    "departments",
    "expected_outcomes",
    "start_date",
    "end_date",
    "resources",
    "priority",
)


class Priority(models.TextChoices):
    P0 = "P0", _("高 P0")
    P1 = "P1", _("中 P1")
    P2 = "P2", _("低 P2")


class NumberSequence(models.Model):
    """Last number handed out per filing year and department: numbers are never reused."""

    year = models.PositiveIntegerField()
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("需求编号序列")
        verbose_name_plural = _("需求编号序列")
        constraints = [
            models.UniqueConstraint(fields=["year", "department"], name="unique_sequence")
        ]

    def __str__(self):
        return f"{self.year}-{self.department_id}: {self.last_value}"


class Requirement(FSMModelMixin, models.Model):
    """Template 1 跨部门协作需求登记表."""

    number = models.CharField(_("需求编号"), max_length=32, unique=True, editable=False)
    initiating_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("发起部门"),
        on_delete=models.PROTECT,
        related_name="initiated_requirements",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="initiated_requirements",
    )
    contact_info = fields.CharField(_("联系方式"), max_length=100, blank=True)
    topic = fields.CharField(_("协作主题"), max_length=200)
    goal = fields.TextField(_("目标描述"))
    departments = models.ManyToManyField(
        "accounts.Department",
        verbose_name=_("涉及部门"),
        related_name="involved_requirements",
        help_text=_("内部部门与外部合作伙伴"),
    )
    expected_outcomes = fields.TextField(_("预期成果"), blank=True)
    start_date = fields.DateField(_("开始日期"))
    end_date = fields.DateField(_("结束日期"))
    resources = fields.TextField(_("关键资源需求"), blank=True)
    priority = models.CharField(
        _("需求优先级"), max_length=2, choices=Priority.choices, default=Priority.P1
    )
    status = FSMField(
        _("需求状态"),
        max_length=20,
        choices=RequirementStatus.choices,
        default=RequirementStatus.PENDING_REVIEW,
        protected=True,
    )
    remarks = fields.TextField(_("备注"), blank=True, max_length=fields.TEXT_SHORT)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("协作协调人"),
        on_delete=models.PROTECT,
        related_name="coordinated_requirements",
        limit_choices_to={"is_coordinator": True},
    )
    review_round = models.PositiveIntegerField(_("评审轮次"), default=1, editable=False)
    rejection_reason = fields.TextField(
        _("驳回原因"), blank=True, editable=False, max_length=fields.TEXT_SHORT
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    signoffs = GenericRelation("signoffs.SignOff")
    history = HistoricalRecords(m2m_fields=[departments])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("协作需求")
        verbose_name_plural = _("协作需求")
        indexes = [
            models.Index(fields=["status", "priority"]),
            # The register's order (newest first), served without sorting.
            models.Index(fields=["-created_at", "-id"], name="requirement_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="requirement_end_not_before_start",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.topic}"

    # Sign-off point: the requirement review (需求评审).
    def signoff_round(self, stage: str) -> int:
        return self.review_round

    def signoff_open(self, stage: str) -> bool:
        return self.status == RequirementStatus.PENDING_REVIEW

    def signoff_slots(self, stage: str):
        from .selectors import review_slots

        return review_slots(self)

    # Transitions are declared in lifecycle.py; these methods only set state.
    @LIFECYCLE.transition("confirm")
    def confirm(self):
        pass

    @LIFECYCLE.transition("reject")
    def reject(self, reason_text: str):
        self.rejection_reason = reason_text

    @LIFECYCLE.transition("resubmit")
    def resubmit(self):
        self.review_round += 1
        self.rejection_reason = ""

    @LIFECYCLE.transition("start")
    def start(self):
        pass

    @LIFECYCLE.transition("complete")
    def complete(self):
        pass


class GroupRole(models.TextChoices):
    LEADER = "leader", _("组长")
    LIAISON = "liaison", _("接口人")
    MEMBER = "member", _("成员")
    PARTNER = "partner", _("外部伙伴")


class GroupMember(models.Model):
    """A member of the collaboration group (协作小组) of a requirement."""

    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="members", verbose_name=_("需求")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="group_memberships",
        verbose_name=_("成员"),
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    role = models.CharField(_("角色"), max_length=10, choices=GroupRole.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement", "role", "department__code"]
        verbose_name = _("小组成员")
        verbose_name_plural = _("协作小组")
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "department"],
                condition=Q(role="liaison"),
                name="one_liaison_per_department",
                violation_error_message=_("该部门在本需求的协作小组中已有接口人"),
            ),
            models.UniqueConstraint(
                fields=["requirement"],
                condition=Q(role="leader"),
                name="one_group_leader",
                violation_error_message=_("本需求的协作小组已有组长"),
            ),
            models.UniqueConstraint(
                fields=["requirement", "user", "role"],
                name="member_role_once",
                violation_error_message=_("该成员已在协作小组中担任此角色"),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
