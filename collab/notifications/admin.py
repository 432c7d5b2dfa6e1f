from django.contrib import admin, messages
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
    WorkCalendarDay,
)
from .services import deliveries_resend
from .workdays import WORKING, counting_mode, years_without_data


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "message", "created_at", "read_at"]
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


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "due_on", "message", "created_at"]
    list_filter = ["kind", "due_on"]
    search_fields = ["message"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "content_type",
        "object_id",
        "due_on",
        "message",
        "url",
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
    list_filter = ["status", "channel", "alert__kind"]
    list_select_related = ["alert", "recipient", "robot"]
    readonly_fields = [
        "alert",
        "channel",
        "recipient",
        "robot",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    ]
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送（仅限发送失败或未确认的记录，请先核实对方未收到）"))
    def resend(self, request, queryset):
        count = deliveries_resend(
            delivery_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        skipped = queryset.count() - count
        self.message_user(request, _("已重新排队 %(n)s 条") % {"n": count}, messages.SUCCESS)
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
    list_display = ["name", "kind", "department", "scope_id", "is_active"]
    list_filter = ["kind", "is_active", "department"]
    list_select_related = ["department"]
    fields = [
        "name",
        "kind",
        "webhook_url",
        "secret",
        "department",
        "scope_type",
        "scope_id",
        "is_active",
    ]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "inbox", "email", "robots", "digest"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    search_fields = ["note"]

    def changelist_view(self, request, extra_context=None):
        year = timezone.localdate().year
        missing = years_without_data([year, year + 1])
        if missing:
            message = _(
                "%(years)s 年没有法定节假日数据（chinese-calendar 未覆盖）："
                "按工作日计算时只排除周末，请在此录入当年的节假日与调休上班日。"
            ) % {"years": "、".join(str(y) for y in missing)}
            level = messages.WARNING if counting_mode() == WORKING else messages.INFO
            self.message_user(request, message, level)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        obj.source = WorkCalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)
