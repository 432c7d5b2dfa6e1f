from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collab.core.admin import ServiceFSMAdminMixin

from . import services
from .models import Reallocation, Risk
from .services import SYSTEM_FIELDS


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新打开原因", widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    measures = forms.CharField(label="解决措施", widget=forms.Textarea(attrs={"rows": 2}))
    actual_resolution = forms.DateField(label="实际解决时间")
    result = forms.CharField(label="处理结果", required=False, initial="已解决")


class ReallocationInline(admin.TabularInline):
    model = Reallocation
    extra = 0
    can_delete = False
    readonly_fields = ["task", "change", "detail", "reason", "actor", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    fsm_forms = {"reopen": ReopenForm, "resolve": ResolveForm}
    transition_services = services.TRANSITION_SERVICES
    transition_target = "risk"
    list_display = [
        "code",
        "requirement",
        "kind",
        "description",
        "impact",
        "owner_department",
        "owner",
        "planned_resolution",
        "actual_resolution",
        "status",
    ]
    list_filter = ["status", "impact", "kind", "owner_department"]
    list_select_related = ["requirement", "owner_department", "owner"]
    search_fields = ["code", "description", "requirement__number"]
    raw_id_fields = ["requirement", "task"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["code", *SYSTEM_FIELDS, "created_at", "updated_at"]
    inlines = [ReallocationInline]

    def save_model(self, request, obj, form, change):
        if not change:
            # New rows get their record id from the same sequence as every other channel.
            obj.code = services.next_code(obj.requirement)
            obj.created_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reallocation)
class ReallocationAdmin(SimpleHistoryAdmin):
    list_display = ["risk", "task", "change", "detail", "reason", "actor", "created_at"]
    list_filter = ["change"]
    list_select_related = ["risk", "task", "actor"]
    readonly_fields = ["risk", "task", "change", "detail", "reason", "actor", "created_at"]

    def has_add_permission(self, request):
        return False
