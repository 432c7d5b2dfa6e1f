from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collab.core.admin import ServiceFSMAdminMixin

from . import plan_services, services
from .models import Baseline, BaselineTask, Plan, PlanComment, PlanVersion, ProgressUpdate, Task


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "kind", "progress", "note", "expected_end"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReasonAdminForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea)


class FinishAdminForm(forms.Form):
    actual_end = forms.DateField(label=_("实际完成时间"), required=False, help_text=_("留空为今天"))
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False)


@admin.register(Task)
class TaskAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    """Transitions are buttons that call the services; those that need a reason (or the
    finish date) ask for it in a form first."""

    fsm_fields = ["status"]
    fsm_forms = {
        "block": ReasonAdminForm,
        "reopen": ReasonAdminForm,
        "cancel": ReasonAdminForm,
        "finish": FinishAdminForm,
    }
    transition_services = services.TRANSITION_SERVICES
    transition_target = "task"
    list_display = [
        "requirement",
        *services.TASK_FIELDS[:6],
        "actual_end",
        "status",
        "priority",
        "progress",
    ]
    list_filter = ["status", "priority", "owner_department"]
    search_fields = ["code", "name", "deliverable", "requirement__number"]
    list_select_related = ["requirement", "owner_department", "owner"]
    autocomplete_fields = ["owner", "collaborators"]
    filter_horizontal = ["collaborating_departments", "depends_on"]
    readonly_fields = [
        "actual_end",
        "block_reason",
        "cancel_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [ProgressUpdateInline]
    ordering = ["requirement", "code_sort"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["task", "kind", "progress", "author", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["task", "author"]
    search_fields = ["note", "task__name"]


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    extra = 0
    fields = ["version", "title", "submitted_by", "submitted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PlanCommentInline(admin.TabularInline):
    model = PlanComment
    extra = 0
    fields = ["version", "department", "author", "body", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    transition_services = plan_services.PLAN_TRANSITION_SERVICES
    transition_target = "plan"
    list_display = ["title", "requirement", "task", "version", "status", "author", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["requirement", "task", "author"]
    search_fields = ["title", "body", "requirement__number"]
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["author"]
    raw_id_fields = ["task"]
    inlines = [PlanVersionInline, PlanCommentInline]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(PlanComment)
class PlanCommentAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "version", "department", "author", "created_at"]
    list_select_related = ["plan", "department", "author"]


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["plan", "version", "title", "submitted_by", "submitted_at"]
    list_select_related = ["plan", "submitted_by"]


class BaselineTaskInline(admin.TabularInline):
    model = BaselineTask
    extra = 0
    fields = ["task", "planned_start", "planned_end"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    """Baselines are saved from the Gantt page or the API (the plan as it was then);
    the admin shows them and may delete one, never edits its dates."""

    list_display = ["name", "requirement", "automatic", "created_by", "created_at"]
    list_filter = ["automatic"]
    search_fields = ["name", "requirement__number"]
    list_select_related = ["requirement", "created_by"]
    fields = ["requirement", "name", "automatic", "created_by", "created_at"]
    readonly_fields = fields
    inlines = [BaselineTaskInline]

    def has_add_permission(self, request):
        return False
