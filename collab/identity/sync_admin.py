"""Admin pages of the org sync: the result of every run (newest first), the platform ↔
Collab department mapping (editable), synced people with their flagged local edits,
and the hand-overs of people who left."""

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from . import orgsync
from .models import Handover, PlatformDepartment, SyncedProfile, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "status",
        "started_at",
        "added",
        "changed",
        "moved",
        "deactivated",
        "flagged",
        "triggered_by",
    ]
    list_filter = ["source", "status"]
    fields = [
        "source",
        "status",
        "started_at",
        "finished_at",
        ("added", "changed", "moved", "deactivated", "flagged"),
        "triggered_by",
        "error",
        "diff",
    ]
    readonly_fields = fields[:4] + list(fields[4]) + ["triggered_by", "error", "diff"]

    @admin.display(description=_("明细"))
    def diff(self, run):
        return format_html_join(
            "\n",
            "<div><code>{}</code> {}{}</div>",
            (
                (line["action"], line["object"], f"：{line['detail']}" if line["detail"] else "")
                for line in run.lines
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlatformDepartment)
class PlatformDepartmentAdmin(admin.ModelAdmin):
    list_display = ["platform", "external_id", "department", "parent_external_id"]
    list_filter = ["platform"]
    list_select_related = ["department"]
    search_fields = ["external_id", "department__name", "department__code"]


@admin.register(SyncedProfile)
class SyncedProfileAdmin(admin.ModelAdmin):
    list_display = ["account", "user", "title", "local_edits", "left_at", "synced_at"]
    list_filter = ["account__platform"]
    list_select_related = ["account__user"]
    search_fields = ["account__external_id", "account__user__username", "title"]
    readonly_fields = ["account", "source_values", "local_edits", "left_at", "synced_at"]
    actions = ["take_source_values"]

    @admin.display(description=_("用户"))
    def user(self, profile):
        return profile.account.user

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("放弃本地修改，以来源为准"))
    def take_source_values(self, request, queryset):
        count = 0
        for profile in queryset.select_related("account__user"):
            if orgsync.take_source_values(profile=profile, actor=request.user):
                count += 1
        self.message_user(
            request, _("已恢复 %(n)s 人的来源字段值") % {"n": count}, messages.SUCCESS
        )


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "done_at", "done_by"]
    list_select_related = ["user", "done_by"]
    readonly_fields = ["user", "run", "created_at", "done_at", "done_by"]
    actions = ["mark_done"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("标记交接完成"))
    def mark_done(self, request, queryset):
        for handover in queryset:
            orgsync.handover_done(handover=handover, actor=request.user)
        self.message_user(request, _("已标记交接完成"), messages.SUCCESS)
