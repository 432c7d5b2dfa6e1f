from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Alert,
    ChannelPreference,
    Delivery,
    DeliveryAttempt,
    Notification,
    RobotConfig,
    Watch,
    WorkCalendarDay,
)
from .services import deliveries_resend, work_calendar_import
from .workdays import WORKING, NoticeError, counting_mode, parse_notice, years_without_notice


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind_label", "message", "action", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["message", "recipient__username"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "recipient", "robot", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "scope_id", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind_label", "due_on", "message", "created_at"]
    list_filter = ["kind", "due_on"]
    search_fields = ["message"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "content_type",
        "object_id",
        "due_on",
        "occurrence",
        "message",
        "params",
        "url",
        "action",
        "action_for",
        "note",
        "created_at",
    ]
    exclude = ["batch"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "task_id", "outcome", "detail", "started_at", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "alert",
        "channel",
        "recipient",
        "robot",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "alert__kind", "subscription"]
    list_select_related = ["alert", "recipient", "robot"]
    readonly_fields = [
        "alert",
        "channel",
        "recipient",
        "robot",
        "subscription",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
        "next_attempt_at",
        "merged_into",
    ]
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送（仅限发送失败或未确认的记录；未确认的消息可能已经送达）"))
    def resend(self, request, queryset):
        counts = deliveries_resend(
            delivery_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        skipped = queryset.count() - counts["resent"]
        self.message_user(
            request, _("已重新排队 %(n)s 条") % {"n": counts["resent"]}, messages.SUCCESS
        )
        if counts["unconfirmed"]:
            self.message_user(
                request,
                _(
                    "其中 %(n)s 条是发送中断（未确认）的记录：对方可能已经收到，"
                    "重发后群里可能出现重复消息。"
                )
                % {"n": counts["unconfirmed"]},
                messages.WARNING,
            )
        if skipped:
            self.message_user(
                request,
                _("%(n)s 条不是发送失败或未确认状态，未重发") % {"n": skipped},
                messages.WARNING,
            )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "number", "outcome", "detail", "started_at", "finished_at"]
    list_filter = ["outcome", "delivery__channel"]
    list_select_related = ["delivery", "delivery__alert", "delivery__recipient", "delivery__robot"]
    readonly_fields = [
        "delivery",
        "number",
        "task_id",
        "outcome",
        "detail",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(RobotConfig)
class RobotConfigAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "department", "scope_id", "is_active", "broken_at"]
    list_filter = ["kind", "is_active", "department"]
    readonly_fields = ["broken_at", "broken_reason"]
    list_select_related = ["department"]
    fields = [
        "name",
        "kind",
        "webhook_url",
        "secret",
        "language",
        "department",
        "scope_type",
        "scope_id",
        "is_active",
        "broken_at",
        "broken_reason",
    ]

    def save_model(self, request, obj, form, change):
        # Saving the settings is the fix for a broken robot: the next send tries again.
        obj.broken_at, obj.broken_reason = None, ""
        super().save_model(request, obj, form, change)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "inbox", "email", "robots", "digest"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


class HolidayNoticeForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("放假通知"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 50}),
        help_text=_("每行一天：日期 休/班 [说明]，如“2027-02-05 休 春节”“2027-02-14 班 春节调休”"),
    )
    file = forms.FileField(label=_("或上传文件（UTF-8 文本或 CSV）"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        text = data.get("text") or ""
        if upload:
            try:
                text = upload.read(200_000).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件不是 UTF-8 编码的文本")) from None
        if not text.strip():
            raise forms.ValidationError(_("请粘贴通知内容或上传文件"))
        if data.get("year"):
            try:
                data["rows"] = parse_notice(text, year=data["year"])
            except NoticeError as error:
                raise forms.ValidationError(error.errors) from None
        return data


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    search_fields = ["note"]

    def get_urls(self):
        return [
            path(
                "import-notice/",
                self.admin_site.admin_view(self.import_notice_view),
                name="notifications_workcalendarday_import",
            ),
            *super().get_urls(),
        ]

    def import_notice_view(self, request):
        """Import the State Council holiday notice of one year (replaces that year)."""
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        form = HolidayNoticeForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            count = work_calendar_import(rows=form.cleaned_data["rows"], actor=request.user)
            self.message_user(
                request,
                _("已导入 %(year)s 年放假通知（%(n)s 天），该年原有记录已被替换")
                % {"year": form.cleaned_data["year"], "n": count},
                messages.SUCCESS,
            )
            return redirect("admin:notifications_workcalendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("导入放假通知"),
        }
        return TemplateResponse(request, "admin/notifications/holiday_notice_import.html", context)

    def changelist_view(self, request, extra_context=None):
        year = timezone.localdate().year
        missing = years_without_notice([year, year + 1])
        if missing:
            message = _(
                "%(years)s 年没有导入国务院放假通知（chinese-calendar 未覆盖）："
                "法定节假日按《全国年节及纪念日放假办法》推算，调休上班日未知。"
                "请在通知发布后点击“导入放假通知”。"
            ) % {"years": "、".join(str(y) for y in missing)}
            level = messages.WARNING if counting_mode() == WORKING else messages.INFO
            self.message_user(request, message, level)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        obj.source = WorkCalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)
