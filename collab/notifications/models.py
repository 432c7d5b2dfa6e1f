"""Alerts (one row per kind, object and deadline, or per event occurrence), their
deliveries per recipient and channel, every delivery attempt, the in-app inbox, channel
preferences, group robots, watches of requirements and the working-day calendar."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collab.core import fields


def scope_model_lookup() -> dict[str, str]:
    """The content type of settings.COLLAB_SCOPE_MODEL, as a lookup."""
    app_label, model = settings.COLLAB_SCOPE_MODEL.lower().split(".")
    return {"app_label": app_label, "model": model}


class AlertKind(models.TextChoices):
    TASK_DUE_SOON = "task_due_soon", _("任务到期前1天提醒")
    TASK_LATE = "task_late", _("任务延迟超2天")
    TASK_ESCALATION = "task_escalation", _("任务延迟上报协调人")
    RISK_OVERDUE = "risk_overdue", _("风险/问题逾期未解决")
    MINUTES_OVERDUE = "minutes_overdue", _("会议纪要超24小时未发布")
    RETRO_OVERDUE = "retro_overdue", _("复盘超7天未确认")
    REVIEW_STALE = "review_stale", _("需求评审超期")
    DAILY_DIGEST = "daily_digest", _("日同步")


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内通知")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉机器人")
    FEISHU = "feishu", _("飞书机器人")
    WECOM = "wecom", _("企业微信机器人")
    WEBHOOK = "webhook", _("通用 Webhook")
    # Personal messages from the company's app on each platform (personal.py).
    DINGTALK_WORK = "ding_work", _("钉钉工作通知")
    FEISHU_MESSAGE = "feishu_msg", _("飞书消息")
    WECOM_APP = "wecom_app", _("企业微信应用消息")


ROBOT_CHANNELS = (Channel.DINGTALK, Channel.FEISHU, Channel.WECOM, Channel.WEBHOOK)
PERSONAL_CHANNELS = (Channel.DINGTALK_WORK, Channel.FEISHU_MESSAGE, Channel.WECOM_APP)


class Notification(models.Model):
    """An in-app inbox message. One written for an alert or event is shown from the
    alert's template in the reader's language; `message` keeps the text as delivered.
    `action` links a notice that asks the recipient to act to that to-do (see todos.py):
    the notice counts as done as soon as the to-do is no longer open."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    message = models.TextField(_("内容"))
    target = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    alert = models.ForeignKey(
        "Alert",
        verbose_name=_("提醒"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    action = models.CharField(_("待办事项"), max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.message[:40]

    @property
    @admin.display(description=_("类型"))
    def kind_label(self) -> str:
        from .messages import kind_label

        return kind_label(self.kind)

    @property
    def text(self) -> str:
        """The message in the active language (from the alert's template when known)."""
        from .messages import render

        alert = self.alert if self.alert_id else None
        if alert is None or not alert.params:
            return self.message
        return render(alert.kind, alert.params, fallback=self.message)

    @property
    def done_text(self) -> str:
        """What a notice whose to-do is done says instead of its request."""
        from django.utils.translation import gettext

        params = self.alert.params if self.alert_id and self.alert else {}
        values = {"label": self.kind_label, "number": params.get("number", "")}
        if values["number"]:
            return gettext("%(label)s（%(number)s）已办结，提醒已撤回") % values
        return gettext("%(label)s 已办结，提醒已撤回") % values


class Alert(models.Model):
    """One alert per (kind, object, due date or deadline), written before anything is
    sent: the unique constraint is what makes overlapping scans, two beats and retries
    harmless. Moving the deadline gives a new key, so the alert re-arms."""

    # A declared event or reminder kind (events.py); labels come from the declaration.
    kind = models.CharField(_("类型"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(_("对象ID"))
    target = GenericForeignKey("content_type", "object_id")
    due_on = models.DateField(_("到期/截止日期"))
    # Empty for reminders (one per deadline); a fresh key for each event that happens.
    occurrence = models.CharField(_("事件标识"), max_length=40, blank=True, default="")
    message = models.TextField(_("内容"))
    # The values of the kind's message template, so each reader gets it in their language.
    params = models.JSONField(_("消息参数"), default=dict, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # The to-do the notice asks for, and the recipients whose copy asks for it.
    action = models.CharField(_("待办事项"), max_length=120, blank=True)
    action_for = models.JSONField(_("待办接收人"), default=list, blank=True)
    # Every raise writes its own batch id; after INSERT … ON CONFLICT DO NOTHING the rows
    # carrying this batch are exactly the ones this raise created.
    batch = models.UUIDField(editable=False, db_index=True)
    note = models.TextField(_("附加处理"), blank=True)
    created_at = models.DateTimeField(_("触发时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "due_on", "occurrence"],
                name="alert_once",
            )
        ]
        indexes = [models.Index(fields=["kind", "due_on"], name="alert_kind_due")]

    def __str__(self):
        return f"{self.kind_label} {self.due_on}: {self.message[:40]}"

    @property
    @admin.display(description=_("类型"))
    def kind_label(self) -> str:
        from .messages import kind_label

        return kind_label(self.kind)


class RobotConfig(models.Model):
    """A group robot (钉钉/飞书/企业微信) or a signed JSON webhook for a department or a
    requirement."""

    name = fields.CharField(_("名称"), max_length=100)
    kind = models.CharField(
        _("类型"),
        max_length=10,
        choices=[(c.value, c.label) for c in ROBOT_CHANNELS],
    )
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉加签 SEC…、飞书签名校验密钥或通用 Webhook 的 HMAC 密钥；企业微信不需要"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
    )
    scope_type = models.ForeignKey(
        ContentType,
        verbose_name=_("适用对象类型"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=scope_model_lookup(),
    )
    scope_id = models.PositiveBigIntegerField(_("适用需求ID"), null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    is_active = models.BooleanField(_("启用"), default=True)
    language = models.CharField(
        _("消息语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("群里消息使用的语言；留空使用系统默认语言"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Set when the platform refuses the robot for good (sign mismatch, invalid key, robot
    # removed, keyword mismatch) or transient errors outlast the retry window; cleared by
    # the next successful send or when the robot is edited.
    broken_at = models.DateTimeField(_("故障时间"), null=True, blank=True)
    broken_reason = models.TextField(_("故障原因"), blank=True)
    history = HistoricalRecords(excluded_fields=["secret", "broken_at", "broken_reason"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        indexes = [models.Index(fields=["scope_type", "scope_id"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(scope_id__isnull=True))
                | (Q(department__isnull=True) & Q(scope_id__isnull=False)),
                name="robot_one_scope",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_broken(self) -> bool:
        return self.broken_at is not None

    def clean(self):
        errors = {}
        if bool(self.department_id) == bool(self.scope_id):
            errors["department"] = _("请选择部门，或填写适用需求（二选一）")
        if self.scope_id and not self.scope_type_id:
            errors["scope_type"] = _("请选择适用对象类型")
        if self.kind == Channel.WEBHOOK and not self.secret:
            errors["secret"] = _("通用 Webhook 必须设置签名密钥")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            errors["webhook_url"] = _("Webhook 地址必须以 http:// 或 https:// 开头")
        if errors:
            raise ValidationError(errors)


class ChannelPreference(models.Model):
    """Which channels a person receives alerts on. No row means every channel."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="channel_preference",
    )
    inbox = models.BooleanField(_("站内通知"), default=True)
    email = models.BooleanField(_("电子邮件"), default=True)
    robots = models.BooleanField(
        _("群机器人"), default=True, help_text=_("提醒同时发到所在部门或需求的群机器人")
    )
    digest = models.BooleanField(_("日同步汇总"), default=True)
    work_notice = models.CharField(
        _("个人工作消息"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("不接收"))] + [(c.value, c.label) for c in PERSONAL_CHANNELS],
        help_text=_("通知同时以钉钉工作通知、飞书消息或企业微信应用消息发给您本人"),
    )

    class Meta:
        verbose_name = _("通知渠道偏好")
        verbose_name_plural = _("通知渠道偏好")

    def __str__(self):
        return str(self.user)


class Watch(models.Model):
    """A person watching a requirement (settings.COLLAB_SCOPE_MODEL): they are told of
    every event of it. The initiator and the leader watch by default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="watches",
    )
    scope_id = models.PositiveBigIntegerField(_("需求ID"))
    created_at = models.DateTimeField(_("关注时间"), auto_now_add=True)

    class Meta:
        ordering = ["scope_id", "user_id"]
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["scope_id", "user"], name="watch_once")]

    def __str__(self):
        return f"{self.user} → {self.scope_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("失败待重试")
    FAILED = "failed", _("发送失败")
    UNCONFIRMED = "unconfirmed", _("发送中断（未确认）")
    MERGED = "merged", _("已合并到汇总消息")
    WITHDRAWN = "withdrawn", _("已撤回（待办已完成）")


# Rows in these states are done: nothing sends them again without an admin.
FINAL_STATUSES = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCONFIRMED,
    DeliveryStatus.MERGED,
    DeliveryStatus.WITHDRAWN,
)


class Delivery(models.Model):
    """One message of an alert to one recipient (or one robot) on one channel."""

    alert = models.ForeignKey(
        Alert, verbose_name=_("提醒"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_deliveries",
    )
    robot = models.ForeignKey(
        RobotConfig,
        verbose_name=_("群机器人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # An event webhook of another system (collab.integrations): the row is its log.
    subscription = models.ForeignKey(
        "integrations.WebhookSubscription",
        verbose_name=_("事件订阅"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When the next attempt is due (retry backoff or the robot's rate limit). Kept in the
    # database so the sweep requeues it even if the delayed message died with the broker.
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    # Robot messages merged into one digest message: the digest is sent as this row.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["robot", "status"], name="delivery_robot_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "recipient"],
                condition=Q(recipient__isnull=False),
                name="delivery_once_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["alert", "robot"],
                condition=Q(robot__isnull=False),
                name="delivery_once_per_robot",
            ),
            models.UniqueConstraint(
                fields=["alert", "subscription"],
                condition=Q(subscription__isnull=False),
                name="delivery_once_per_subscription",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient or self.robot or self.subscription}"


class DeliveryAttempt(models.Model):
    """Every attempt to send a delivery, with its outcome."""

    class Outcome(models.TextChoices):
        STARTED = "started", _("进行中")
        OK = "ok", _("成功")
        ERROR = "error", _("失败")
        SKIPPED = "skipped", _("跳过")

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("发送记录"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    task_id = models.CharField(_("任务ID"), max_length=64, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=Outcome.choices, default=Outcome.STARTED
    )
    detail = models.TextField(_("详情"), blank=True)
    started_at = models.DateTimeField(_("开始"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")

    def __str__(self):
        return f"#{self.number} {self.get_outcome_display()}"


class WorkCalendarDay(models.Model):
    """A day of the working calendar: statutory holidays and make-up workdays (调休).
    Rows come from the imported State Council notice, chinese-calendar, or the statutory
    rules (see workdays.py); admins may add or correct single days."""

    class Source(models.TextChoices):
        CHINESE_CALENDAR = "chinese_calendar", _("chinese-calendar")
        ADMIN = "admin", _("管理员录入")
        STATUTE = "statute", _("按法定假日推算（调休未知）")
        NOTICE = "notice", _("国务院放假通知导入")

    date = fields.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.ADMIN
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self):
        return f"{self.date} {'班' if self.is_workday else '休'}"


class RobotSendWindow(models.Model):
    """The recent send times of one robot, for its rate limit when there is no Redis:
    the row is locked while a worker takes a slot, so all workers share it."""

    robot = models.OneToOneField(
        RobotConfig, on_delete=models.CASCADE, primary_key=True, related_name="send_window"
    )
    sent = models.JSONField(default=list)

    class Meta:
        verbose_name = _("机器人发送窗口")
        verbose_name_plural = _("机器人发送窗口")

    def __str__(self):
        return str(self.robot_id)
