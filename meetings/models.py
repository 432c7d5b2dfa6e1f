"""Meetings of a collaboration (需求评审会, 启动会, 协作例会, 专题会…): minutes, decisions
and action items, published to the whole group."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collab.core import fields

PUBLISH_WITHIN = timedelta(hours=24)


# What a meeting record holds, in the order the form and the API show it.
RECORD_FIELDS = (
    "held_at",
    "location",
    "attendees",
    "departments",
    "agenda",
    "minutes",
    "decisions",
)


class MeetingKind(models.TextChoices):
    REVIEW = "review", _("需求评审会")
    KICKOFF = "kickoff", _("启动会")
    PLAN_REVIEW = "plan_review", _("方案评审会")
    WEEKLY = "weekly", _("协作例会")
    SPECIAL = "special", _("专题会")
    RETROSPECTIVE = "retrospective", _("复盘会")
    DAILY = "daily", _("日同步")
    MONTHLY = "monthly", _("月总结")


class CauseCategory(models.TextChoices):
    RESOURCES = "resources", _("资源不足")
    CHANGE = "change", _("需求变更")
    CAPABILITY = "capability", _("能力不足")
    EXTERNAL = "external", _("外部因素")
    OTHER = "other", _("其他")


class Meeting(models.Model):
    requirement = models.ForeignKey(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = fields.CharField(_("会议主题"), max_length=200, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织人"),
        on_delete=models.PROTECT,
        related_name="organized_meetings",
    )
    held_at = fields.DateTimeField(_("会议时间"))
    location = fields.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人"), blank=True, related_name="meetings"
    )
    departments = models.ManyToManyField(
        "accounts.Department", verbose_name=_("参会部门"), blank=True, related_name="meetings"
    )
    agenda = fields.TextField(_("议程"), blank=True, max_length=fields.TEXT_LONG)
    minutes = fields.TextField(_("会议纪要"), blank=True, max_length=fields.TEXT_LONG)
    decisions = fields.TextField(_("会议决议"), blank=True, max_length=fields.TEXT_LONG)
    # What the meeting is about, when it is about one record (a special meeting for an
    # issue or a late task). Generic, so this app never depends on a register.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # Special meeting (专题会) analysis
    cause_category = models.CharField(
        _("原因类别"), max_length=20, choices=CauseCategory.choices, blank=True
    )
    solution = fields.TextField(_("解决方案"), blank=True)
    recovery_plan = fields.TextField(_("恢复计划"), blank=True)
    recovery_deadline = fields.DateField(_("恢复期限"), null=True, blank=True)
    published_at = models.DateTimeField(_("纪要发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[attendees, departments])

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        indexes = [
            models.Index(fields=["requirement", "kind"]),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["-held_at", "-id"], name="meeting_newest_idx"),
        ]

    def __str__(self):
        return self.display_title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("meetings:detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        return (
            self.title or f"{self.get_kind_display()} {timezone.localtime(self.held_at):%Y-%m-%d}"
        )

    # Compatibility with the requirement page's review card.
    @property
    def held_on(self):
        return timezone.localdate(self.held_at)

    @property
    def conclusion(self) -> str:
        return self.decisions

    @property
    def publish_deadline(self):
        return self.held_at + PUBLISH_WITHIN

    @property
    def published_in_time(self) -> bool | None:
        """True/False once published; None while unpublished."""
        if self.published_at is None:
            return None
        return self.published_at <= self.publish_deadline

    @property
    def publish_overdue(self) -> bool:
        return self.published_at is None and timezone.now() > self.publish_deadline


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ActionItem(models.Model):
    """A to-do (待办) agreed in a meeting: text, owner, due date, status."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="action_items"
    )
    text = fields.CharField(_("待办事项"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
    )
    due_date = fields.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    # The record the item was turned into (a task of the requirement).
    converted_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    converted_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    converted = GenericForeignKey("converted_type", "converted_id")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")

    def __str__(self):
        return self.text

    @property
    def is_converted(self) -> bool:
        return self.converted_id is not None

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionItemStatus.OPEN and self.due_date < timezone.localdate()


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")


class WeeklySchedule(models.Model):
    """The standing weekly meeting (协作例会) of a requirement: each occurrence is created
    ahead as a meeting, its agenda prefilled from the tracker; non-working days skip."""

    requirement = models.OneToOneField(
        "requests_app.Requirement",
        verbose_name=_("需求"),
        on_delete=models.CASCADE,
        related_name="weekly_schedule",
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    time = models.TimeField(_("开始时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("时长(分钟)"), default=60)
    location = fields.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人"), blank=True, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        verbose_name = _("协作例会安排")
        verbose_name_plural = _("协作例会安排")

    def __str__(self):
        return f"{self.requirement_id} {self.get_weekday_display()} {self.time:%H:%M}"


class WeeklyOccurrence(models.Model):
    """One week's date of a schedule: the meeting created for it, or why it was skipped.
    Unique per date, so a re-run or two beats never create a meeting twice."""

    schedule = models.ForeignKey(
        WeeklySchedule,
        verbose_name=_("协作例会安排"),
        on_delete=models.CASCADE,
        related_name="occurrences",
    )
    date = models.DateField(_("日期"))
    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("会议"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="weekly_occurrence",
    )
    skipped_reason = models.CharField(_("跳过原因"), max_length=200, blank=True)
    # The agenda as last prefilled from the tracker: while the meeting's agenda still
    # equals it (nobody edited it), it is prefilled again on the meeting's day.
    prefilled_agenda = fields.TextField(
        _("预填议程"), blank=True, editable=False, max_length=fields.TEXT_LONG
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["schedule", "date"]
        verbose_name = _("协作例会场次")
        verbose_name_plural = _("协作例会场次")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="weekly_occurrence_unique")
        ]

    def __str__(self):
        return f"{self.schedule_id} {self.date}"
