from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from collab.core.admin import ServiceFSMAdminMixin

from . import services
from .models import GroupMember, NumberSequence, Requirement


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Requirement)
class RequirementAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    transition_services = services.TRANSITION_SERVICES
    transition_target = "requirement"
    list_display = [
        "number",
        "topic",
        "initiating_department",
        "priority",
        "status",
        "start_date",
        "end_date",
    ]
    list_filter = ["status", "priority", "initiating_department"]
    search_fields = ["number", "topic", "goal"]
    list_select_related = ["initiating_department"]
    filter_horizontal = ["departments"]
    readonly_fields = ["number", "review_round", "rejection_reason", "created_at", "updated_at"]
    autocomplete_fields = ["contact", "coordinator"]
    inlines = [GroupMemberInline]

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            super().save_model(request, obj, form, change)
            return
        # New rows get their number from the same sequence as every other channel.
        obj.number = services.next_number(
            department=obj.initiating_department, year=timezone.localdate().year
        )
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(GroupMember)
class GroupMemberAdmin(SimpleHistoryAdmin):
    list_display = ["requirement", "user", "department", "role"]
    list_filter = ["role"]
    list_select_related = ["requirement", "user", "department"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "department", "last_value"]
    list_select_related = ["department"]
