"""REST API of the retrospective under `reviews/`: retrospectives (metrics,
highlights, problems, read receipts), metrics and improvement actions as their own
resources. Every write goes through services; unseen objects answer 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.api import DepartmentFilter
from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ETagMixin, HistoryMixin, IdFilter, transition_action
from requests_app.selectors import requirements_visible_to

from ..acceptance.api import AcceptanceDeliverableSerializer
from ..models import (
    ActionStatus,
    FindingKind,
    ImprovementAction,
    Metric,
    Retrospective,
    RetrospectiveStatus,
)
from ..serializers import acting_user, keep_parent, transitions_for
from . import services
from .selectors import (
    department_filter,
    findings_of,
    improvement_list,
    keyword_filter,
    read_receipts,
    retrospective_detail_qs,
    retrospectives_visible_to,
)


# Retrospectives
class RetrospectiveMetricSerializer(serializers.ModelSerializer):
    achievement_rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="实际值 ÷ 目标值 × 100"
    )
    phrase = serializers.CharField(read_only=True)
    target = serializers.DecimalField(max_digits=16, decimal_places=4)
    actual = serializers.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        model = Metric
        fields = ["id", "name", "unit", "target", "actual", "achievement_rate", "phrase"]


class ImprovementSerializer(serializers.ModelSerializer):
    retrospective = serializers.PrimaryKeyRelatedField(queryset=Retrospective.objects.none())
    requirement = serializers.IntegerField(source="retrospective.requirement_id", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    owner_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False
    )
    owner_display = serializers.CharField(source="owner.label", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = ImprovementAction
        fields = [
            "id",
            "retrospective",
            "requirement",
            "action",
            "owner",
            "owner_display",
            "owner_department",
            "due_date",
            "status",
            "status_display",
            "done_on",
            "result",
            "available_transitions",
        ]
        read_only_fields = ["status", "done_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "retrospective" in self.fields:
            self.fields["retrospective"].queryset = retrospectives_visible_to(request.user)

    def get_available_transitions(self, obj) -> list[str]:
        return transitions_for(self, obj)

    def validate(self, attrs):
        keep_parent(self.instance, attrs, "retrospective", _("改进措施不能移到其他复盘"))
        return attrs

    def create(self, validated_data):
        retrospective = validated_data.pop("retrospective")
        return services.improvement_add(
            retrospective=retrospective, actor=acting_user(self), data=validated_data
        )

    def update(self, instance, validated_data):
        validated_data.pop("retrospective", None)
        return services.improvement_update(
            improvement=instance, actor=acting_user(self), data=validated_data
        )


class ImprovementReadSerializer(ImprovementSerializer):
    class Meta(ImprovementSerializer.Meta):
        fields = [f for f in ImprovementSerializer.Meta.fields if f != "available_transitions"]


class RetrospectiveSerializer(serializers.ModelSerializer):
    """One template-4 record: the passed acceptance's fields read-only, the
    retrospective's own fields writable while it is a draft."""

    requirement_number = serializers.CharField(source="requirement.number", read_only=True)
    project = serializers.CharField(source="requirement.topic", read_only=True)
    initiating_department = serializers.IntegerField(
        source="requirement.initiating_department_id", read_only=True
    )
    acceptance_date = serializers.DateField(source="acceptance.accepted_on", read_only=True)
    acceptance_departments = serializers.PrimaryKeyRelatedField(
        source="acceptance.departments", many=True, read_only=True
    )
    deliverables = AcceptanceDeliverableSerializer(
        source="acceptance.deliverables", many=True, read_only=True
    )
    quality_rating = serializers.CharField(source="acceptance.quality_rating", read_only=True)
    quality_comment = serializers.CharField(source="acceptance.quality_comment", read_only=True)
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    reviewer_display = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    metrics = RetrospectiveMetricSerializer(many=True, required=False)
    highlights = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    problems = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    improvements = ImprovementReadSerializer(many=True, read_only=True)

    class Meta:
        model = Retrospective
        fields = [
            "id",
            "requirement",
            "requirement_number",
            "project",
            "initiating_department",
            "acceptance",
            "acceptance_date",
            "acceptance_departments",
            "deliverables",
            "quality_rating",
            "quality_comment",
            "due_on",
            "held_on",
            "reviewer",
            "reviewer_display",
            "summary",
            "metrics",
            "highlights",
            "problems",
            "improvements",
            "status",
            "status_display",
            "confirmed_at",
            "confirmed_by",
        ]
        read_only_fields = [
            "requirement",
            "acceptance",
            "due_on",
            "status",
            "confirmed_at",
            "confirmed_by",
        ]

    def get_reviewer_display(self, obj) -> str | None:
        return obj.reviewer.label if obj.reviewer_id else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["highlights"] = [f.text for f in findings_of(instance, FindingKind.HIGHLIGHT)]
        data["problems"] = [f.text for f in findings_of(instance, FindingKind.PROBLEM)]
        return data

    def update(self, instance, validated_data):
        actor = acting_user(self)
        metrics = validated_data.pop("metrics", None)
        highlights = validated_data.pop("highlights", None)
        problems = validated_data.pop("problems", None)
        with transaction.atomic():
            if validated_data:
                services.retrospective_update(
                    retrospective=instance, actor=actor, data=validated_data
                )
            if metrics is not None:
                services.retrospective_set_metrics(
                    retrospective=instance, actor=actor, items=metrics
                )
            for kind, texts in (
                (FindingKind.HIGHLIGHT, highlights),
                (FindingKind.PROBLEM, problems),
            ):
                if texts is not None:
                    services.retrospective_set_findings(
                        retrospective=instance, actor=actor, kind=kind, texts=texts
                    )
        return instance


class RetrospectiveDetailSerializer(RetrospectiveSerializer):
    available_transitions = serializers.SerializerMethodField()

    class Meta(RetrospectiveSerializer.Meta):
        fields = [*RetrospectiveSerializer.Meta.fields, "available_transitions"]

    def get_available_transitions(self, obj) -> list[str]:
        return transitions_for(self, obj)


class ReadReceiptSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    user_display = serializers.CharField(source="user.label")
    department = serializers.CharField(source="user.department.name", default=None, allow_null=True)
    recipient = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)


class RetrospectiveFilter(filters.FilterSet):
    department = DepartmentFilter(method="filter_department", label="涉及或发起部门")
    q = filters.CharFilter(method="filter_text", label="关键词")

    class Meta:
        model = Retrospective
        fields = ["requirement", "status"]

    def filter_department(self, queryset, name, value):
        return queryset.filter(department_filter(value))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(keyword_filter(value)) if value else queryset


class RetrospectiveViewSet(
    ETagMixin, HistoryMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Retrospectives (复盘). Created when an acceptance passes; confirmed ones are
    readable by every internal user (the lessons library)."""

    filterset_class = RetrospectiveFilter
    ordering_fields = ["due_on", "confirmed_at", "held_on"]

    def get_queryset(self):
        return retrospective_detail_qs().filter(
            pk__in=retrospectives_visible_to(self.request.user).values("pk")
        )

    def get_serializer_class(self):
        return RetrospectiveSerializer if self.action == "list" else RetrospectiveDetailSerializer

    def perform_update(self, serializer):
        if (
            not requirements_visible_to(self.request.user)
            .filter(pk=serializer.instance.requirement_id)
            .exists()
        ):
            raise PermissionDenied(_("只有组长、复盘人或协调人可以编辑复盘"))
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    confirm = transition_action("confirm", services.retrospective_confirm, target="retrospective")

    @extend_schema(methods=["GET"], responses=ReadReceiptSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={
            201: OpenApiResponse(
                ReadReceiptSerializer(many=True), description="The first read: recorded"
            ),
            200: OpenApiResponse(
                ReadReceiptSerializer(many=True), description="Already recorded before"
            ),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def reads(self, request, pk=None):
        """GET: who has read the shared report; POST: record that the caller read it."""
        retrospective = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            if retrospective.status != RetrospectiveStatus.CONFIRMED:
                raise ValidationError(_("复盘报告确认后才能记录阅读"))
            created = services.retrospective_mark_read(
                retrospective=retrospective, user=request.user
            )
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        receipts = read_receipts(retrospective)
        return Response(ReadReceiptSerializer(receipts, many=True).data, status=code)


# Metrics and improvement actions as their own resources
class MetricResourceSerializer(RetrospectiveMetricSerializer):
    retrospective = serializers.PrimaryKeyRelatedField(queryset=Retrospective.objects.none())

    class Meta(RetrospectiveMetricSerializer.Meta):
        fields = ["id", "retrospective", *RetrospectiveMetricSerializer.Meta.fields[1:]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["retrospective"].queryset = retrospectives_visible_to(request.user)

    def create(self, validated_data):
        retrospective = validated_data.pop("retrospective")
        return services.metric_add(
            retrospective=retrospective, actor=acting_user(self), data=validated_data
        )

    def update(self, instance, validated_data):
        validated_data.pop("retrospective", None)
        return services.metric_update(metric=instance, actor=acting_user(self), data=validated_data)


class MetricViewSet(ETagMixin, viewsets.ModelViewSet):
    serializer_class = MetricResourceSerializer
    filterset_fields = ["retrospective"]

    def get_queryset(self):
        return Metric.objects.filter(
            retrospective__in=retrospectives_visible_to(self.request.user).values("pk")
        ).order_by("retrospective", "position", "id")

    def perform_destroy(self, instance):
        services.metric_delete(metric=instance, actor=self.request.user)


class ImprovementFinishSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, allow_null=True, default=None)
    result = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ImprovementFilter(filters.FilterSet):
    requirement = IdFilter(field_name="retrospective__requirement")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = ImprovementAction
        fields = ["retrospective", "status", "owner", "owner_department"]

    def filter_overdue(self, queryset, name, value):
        late = queryset.exclude(status=ActionStatus.DONE).filter(due_date__lt=timezone.localdate())
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class ImprovementViewSet(ETagMixin, HistoryMixin, viewsets.ModelViewSet):
    """Improvement actions (改进措施), tracked open -> in_progress -> done."""

    serializer_class = ImprovementSerializer
    filterset_class = ImprovementFilter
    ordering_fields = ["due_date", "status", "id"]

    def get_queryset(self):
        return improvement_list(self.request.user).order_by("due_date", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            improvement = serializer.save()
        improvement = self.get_queryset().get(pk=improvement.pk)
        return Response(self.get_serializer(improvement).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.improvement_delete(improvement=instance, actor=self.request.user)

    start = transition_action("start", services.improvement_start, target="improvement")
    finish = transition_action(
        "finish",
        services.improvement_finish,
        target="improvement",
        request_serializer=ImprovementFinishSerializer,
    )
    reopen = transition_action("reopen", services.improvement_reopen, target="improvement")
