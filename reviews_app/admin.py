from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collab.core.admin import ServiceFSMAdminMixin

from .acceptance import services as acceptance_services
from .models import (
    Acceptance,
    AcceptanceCriterion,
    CriterionResult,
    Deliverable,
    Finding,
    GroupDissolution,
    ImprovementAction,
    Metric,
    Retrospective,
    RetrospectiveRead,
)
from .retrospective import services as retrospective_services


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class FinishForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), required=False)
    result = forms.CharField(label=_("完成情况"), required=False, widget=forms.Textarea)


@admin.register(AcceptanceCriterion)
class AcceptanceCriterionAdmin(SimpleHistoryAdmin):
    list_display = ["requirement", "position", "text"]
    list_select_related = ["requirement"]
    search_fields = ["text", "requirement__number"]
    autocomplete_fields = ["requirement"]


class CriterionResultInline(admin.TabularInline):
    model = CriterionResult
    extra = 0
    fields = ["position", "text", "passed", "comment"]
    readonly_fields = ["text"]


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    fields = ["position", "name", "task", "note"]
    raw_id_fields = ["task"]


@admin.register(Acceptance)
class AcceptanceAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    fsm_forms = {"fail": ReasonForm}
    transition_services = acceptance_services.ACCEPTANCE_TRANSITIONS
    transition_target = "acceptance"
    list_display = [
        "requirement",
        "attempt",
        "accepted_on",
        "quality_rating",
        "status",
        "round",
        "decided_at",
    ]
    list_filter = ["status", "quality_rating"]
    list_select_related = ["requirement"]
    search_fields = ["requirement__number", "requirement__topic"]
    filter_horizontal = ["departments"]
    readonly_fields = ["attempt", "round", "failure_reason", "decided_at", "created_at"]
    autocomplete_fields = ["requirement"]
    raw_id_fields = ["created_by"]
    inlines = [CriterionResultInline, DeliverableInline]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


class MetricInline(admin.TabularInline):
    model = Metric
    extra = 0
    fields = ["position", "name", "unit", "target", "actual", "rate", "phrase"]
    readonly_fields = ["rate", "phrase"]

    @admin.display(description=_("达成率"))
    def rate(self, obj):
        return obj.rate_display if obj.pk else ""


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["kind", "position", "text"]


class ImprovementInline(admin.TabularInline):
    model = ImprovementAction
    extra = 0
    fields = ["action", "owner_department", "owner", "due_date", "status", "done_on"]
    readonly_fields = ["status", "done_on"]
    raw_id_fields = ["owner"]


@admin.register(Retrospective)
class RetrospectiveAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    transition_services = retrospective_services.RETROSPECTIVE_TRANSITIONS
    transition_target = "retrospective"
    list_display = ["requirement", "due_on", "held_on", "reviewer", "status", "confirmed_at"]
    list_filter = ["status"]
    list_select_related = ["requirement", "reviewer"]
    search_fields = ["requirement__number", "requirement__topic", "summary"]
    readonly_fields = ["confirmed_at", "confirmed_by", "created_at"]
    raw_id_fields = ["requirement", "acceptance", "reviewer"]
    inlines = [MetricInline, FindingInline, ImprovementInline]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(ImprovementAction)
class ImprovementActionAdmin(ServiceFSMAdminMixin, SimpleHistoryAdmin):
    fsm_fields = ["status"]
    fsm_forms = {"finish": FinishForm, "reopen": ReasonForm}
    transition_services = retrospective_services.IMPROVEMENT_TRANSITIONS
    transition_target = "improvement"
    list_display = ["action", "owner_department", "owner", "due_date", "status", "done_on"]
    list_filter = ["status", "owner_department"]
    list_select_related = ["owner_department", "owner"]
    search_fields = ["action"]
    raw_id_fields = ["retrospective", "owner"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ["retrospective", "name", "unit", "target", "actual", "rate", "phrase"]
    list_select_related = ["retrospective__requirement"]
    raw_id_fields = ["retrospective"]

    @admin.display(description=_("达成率"))
    def rate(self, obj):
        return obj.rate_display


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["retrospective", "kind", "text"]
    list_filter = ["kind"]
    list_select_related = ["retrospective__requirement"]
    search_fields = ["text"]
    raw_id_fields = ["retrospective"]


@admin.register(Deliverable)
class DeliverableAdmin(SimpleHistoryAdmin):
    list_display = ["acceptance", "name", "task", "note"]
    list_select_related = ["acceptance__requirement", "task"]
    raw_id_fields = ["acceptance", "task"]


@admin.register(CriterionResult)
class CriterionResultAdmin(SimpleHistoryAdmin):
    list_display = ["acceptance", "text", "passed", "comment"]
    list_select_related = ["acceptance__requirement"]
    raw_id_fields = ["acceptance", "criterion"]


@admin.register(RetrospectiveRead)
class RetrospectiveReadAdmin(admin.ModelAdmin):
    list_display = ["retrospective", "user", "read_at"]
    list_select_related = ["retrospective__requirement", "user"]
    raw_id_fields = ["retrospective", "user"]


@admin.register(GroupDissolution)
class GroupDissolutionAdmin(admin.ModelAdmin):
    list_display = ["requirement", "dissolved_at", "dissolved_by"]
    list_select_related = ["requirement", "dissolved_by"]
    raw_id_fields = ["requirement", "dissolved_by"]
