"""`GET /api/v1/portfolio/` and `GET /api/v1/kpis/`: the cockpit's figures, the same
the pages show (portfolio.py, kpis.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from collab.core import serializers as hardened
from collab.core.api import Pagination
from requests_app.models import Priority

from .forms import KpiFilterForm, PortfolioFilterForm
from .kpis import DEFINITIONS, department_kpis, risk_impacts
from .portfolio import RUNNING_STEPS, Health, portfolio, portfolio_rows
from .scope import may_use_cockpit


def _valid(form):
    if not form.is_valid():
        raise exceptions.ValidationError(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    return form


def _allowed(request):
    if not may_use_cockpit(request.user):
        raise PermissionDenied


class PersonRefSerializer(hardened.Serializer):
    id = serializers.IntegerField()
    display = serializers.CharField()


class MilestoneSerializer(hardened.Serializer):
    code = serializers.CharField(help_text="下一个到期的未完成任务")
    name = serializers.CharField()
    date = serializers.DateField()


class PortfolioRowSerializer(hardened.Serializer):
    id = serializers.IntegerField(source="requirement.pk")
    number = serializers.CharField(source="requirement.number")
    topic = serializers.CharField(source="requirement.topic")
    initiating_department = serializers.IntegerField(source="requirement.initiating_department_id")
    priority = serializers.ChoiceField(choices=Priority.choices, source="requirement.priority")
    status = serializers.CharField(source="requirement.status")
    end_date = serializers.DateField(source="requirement.end_date")
    stage = serializers.ChoiceField(choices=[(s.value, s.label) for s in RUNNING_STEPS])
    stage_display = serializers.CharField(source="stage_label")
    health = serializers.ChoiceField(choices=Health.choices)
    health_display = serializers.CharField(source="health_label")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="健康状况的原因")
    progress = serializers.IntegerField(help_text="未取消任务的平均进度（0–100）")
    next_milestone = MilestoneSerializer(source="milestone", allow_null=True)
    leader = serializers.SerializerMethodField()
    leader_department = serializers.SerializerMethodField()
    late_tasks = serializers.IntegerField(source="requirement.late_tasks")
    blocked_tasks = serializers.IntegerField(source="requirement.blocked_tasks")
    open_high_issues = serializers.IntegerField(source="requirement.high_issues")
    overdue_signoffs = serializers.IntegerField(source="requirement.waiting_signoffs")

    def _ref(self, obj, display):
        return {"id": obj.pk, "display": display} if obj is not None else None

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_leader(self, row):
        return self._ref(row.leader, row.leader.label if row.leader else "")

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_leader_department(self, row):
        department = row.leader_department
        return self._ref(department, department.name if department else "")


PORTFOLIO_PARAMETERS = [
    OpenApiParameter("department", OpenApiTypes.INT, description="发起或参与的部门"),
    OpenApiParameter("priority", OpenApiTypes.STR, enum=Priority.values),
    OpenApiParameter("stage", OpenApiTypes.STR, enum=[s.value for s in RUNNING_STEPS]),
    OpenApiParameter("health", OpenApiTypes.STR, enum=[code for code, _label in Health.choices]),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT),
]


class PortfolioView(APIView):
    """Running collaborations (已确认、执行中) with step, health and reasons, progress,
    next milestone and leader, sorted by health (late first). Coordinators and staff see
    all, department heads those of their departments; others get 403."""

    pagination_class = Pagination

    @extend_schema(parameters=PORTFOLIO_PARAMETERS, responses=PortfolioRowSerializer(many=True))
    def get(self, request):
        _allowed(request)
        form = _valid(PortfolioFilterForm(request.query_params))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(portfolio(request.user, form.filters()), request, self)
        rows = portfolio_rows(page)
        return paginator.get_paginated_response(PortfolioRowSerializer(rows, many=True).data)


class DepartmentKpiSerializer(hardened.Serializer):
    department = serializers.IntegerField(
        source="department.pk", allow_null=True, default=None, help_text="空：协调人或合计"
    )
    label = serializers.CharField()
    tasks_finished = serializers.IntegerField(source="finished")
    tasks_on_time = serializers.IntegerField(source="on_time")
    on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    tasks_late = serializers.IntegerField(source="late")
    delay_days_total = serializers.IntegerField(source="delay_total")
    delay_days_average = serializers.DecimalField(
        source="delay_average", max_digits=8, decimal_places=1, allow_null=True
    )
    signoffs = serializers.SerializerMethodField()
    signoff_median_hours = serializers.DecimalField(
        source="turnaround_median", max_digits=10, decimal_places=1, allow_null=True
    )
    open_risks = serializers.SerializerMethodField()
    improvements_due = serializers.IntegerField(source="actions_due")
    improvements_on_time = serializers.IntegerField(source="actions_on_time")
    improvements_on_time_rate = serializers.DecimalField(
        source="actions_rate", max_digits=5, decimal_places=1, allow_null=True
    )
    metrics = serializers.SerializerMethodField()
    metrics_achieved = serializers.IntegerField()
    achievement_rate_average = serializers.DecimalField(
        source="achievement_average", max_digits=12, decimal_places=2, allow_null=True
    )

    def get_signoffs(self, row) -> int:
        return len(row.signoffs)

    def get_metrics(self, row) -> int:
        return len(row.metrics)

    def get_open_risks(self, row) -> dict[str, int]:
        counts = {impact: row.risks.get(impact, 0) for impact, _label in risk_impacts()}
        return {**counts, "total": row.risks_total}


class WeekSerializer(hardened.Serializer):
    week = serializers.DateField(help_text="周一")
    finished = serializers.IntegerField()
    on_time = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class CauseSerializer(hardened.Serializer):
    cause = serializers.CharField()
    label = serializers.CharField()
    tasks = serializers.IntegerField()
    days = serializers.IntegerField()


class TurnaroundSerializer(hardened.Serializer):
    department = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    count = serializers.IntegerField()
    median_hours = serializers.DecimalField(max_digits=10, decimal_places=1)


class KpisSerializer(hardened.Serializer):
    date_from = serializers.DateField(source="period.start")
    date_to = serializers.DateField(source="period.end")
    definitions = serializers.SerializerMethodField()
    departments = DepartmentKpiSerializer(many=True)
    overall = DepartmentKpiSerializer()
    on_time_by_week = WeekSerializer(many=True, source="weekly")
    delay_by_cause = CauseSerializer(many=True, source="by_cause")
    signoff_turnaround = TurnaroundSerializer(many=True, source="turnaround")

    def get_definitions(self, kpis) -> dict[str, str]:
        return {key: str(text) for key, text in DEFINITIONS.items()}


KPI_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="开始日期（默认：近12周）"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（默认：今天）"),
    OpenApiParameter("department", OpenApiTypes.INT),
]


class KpiView(APIView):
    """Department KPIs over a period, per department and overall, each with its
    definition; the numbers of the KPI page. Coordinators, staff and department heads
    (over their departments' collaborations); others get 403."""

    @extend_schema(parameters=KPI_PARAMETERS, responses=KpisSerializer)
    def get(self, request):
        _allowed(request)
        form = _valid(KpiFilterForm(request.query_params))
        data = form.cleaned_data
        kpis = department_kpis(request.user, data["period"], data.get("department"))
        return Response(KpisSerializer(kpis).data)


urlpatterns = [
    path("v1/portfolio/", PortfolioView.as_view(), name="api-portfolio"),
    path("v1/kpis/", KpiView.as_view(), name="api-kpis"),
]
