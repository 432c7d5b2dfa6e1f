"""REST API of template 4 under `reviews/`: acceptance criteria, acceptances (with
sign-offs and transitions), retrospectives (metrics, highlights, problems), metrics and
improvement actions. Every write goes through services; unseen objects answer 404."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core.api import ETagMixin, HistoryMixin, transition_action
from collab.core.transitions import available_transitions
from collab.signoffs.models import SignOff
from collab.signoffs.services import signoff_state, signoffs_for
from requests_app.selectors import requirements_visible_to

from . import services
from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceCriterion,
    AcceptanceStatus,
    ActionStatus,
    CriterionResult,
    Deliverable,
    FindingKind,
    ImprovementAction,
    Metric,
    QualityRating,
    Retrospective,
    RetrospectiveStatus,
)
from .selectors import (
    acceptance_detail_qs,
    acceptances_visible_to,
    criteria_visible_to,
    department_filter,
    findings_of,
    improvement_list,
    keyword_filter,
    read_receipts,
    retrospective_detail_qs,
    retrospectives_visible_to,
)


class VisibleRequirementField(serializers.PrimaryKeyRelatedField):
    """A requirement the caller can see; others are reported as not existing."""

    def get_queryset(self):
        return requirements_visible_to(self.context["request"].user)


def _keep_parent(instance, attrs: dict, field: str, message: str) -> None:
    """A child row stays with its parent: changing it is refused with a field error."""
    parent = attrs.get(field)
    if (
        instance is not None
        and parent is not None
        and parent.pk != getattr(instance, f"{field}_id")
    ):
        raise serializers.ValidationError({field: message})


def _user(serializer):
    return serializer.context["request"].user


def _transitions(serializer, obj) -> list[str]:
    request = serializer.context.get("request")
    return available_transitions(obj, request.user) if request else []


# Acceptance criteria
class CriterionSerializer(serializers.ModelSerializer):
    requirement = VisibleRequirementField()

    class Meta:
        model = AcceptanceCriterion
        fields = ["id", "requirement", "text", "position"]
        read_only_fields = ["position"]

    def validate(self, attrs):
        _keep_parent(self.instance, attrs, "requirement", _("验收标准不能移到其他需求"))
        return attrs

    def create(self, validated_data):
        return services.criterion_add(
            requirement=validated_data["requirement"],
            actor=_user(self),
            text=validated_data.get("text", ""),
        )

    def update(self, instance, validated_data):
        return services.criterion_update(
            criterion=instance, actor=_user(self), text=validated_data.get("text", instance.text)
        )


class CriterionViewSet(ETagMixin, HistoryMixin, viewsets.ModelViewSet):
    serializer_class = CriterionSerializer
    filterset_fields = ["requirement"]
    ordering_fields = ["position", "id"]

    def get_queryset(self):
        return criteria_visible_to(self.request.user).order_by("requirement", "position", "id")

    def perform_destroy(self, instance):
        services.criterion_delete(criterion=instance, actor=self.request.user)


# Acceptances
class AcceptanceDeliverableSerializer(serializers.ModelSerializer):
    task_code = serializers.SerializerMethodField()

    class Meta:
        model = Deliverable
        fields = ["id", "name", "task", "task_code", "note"]
        extra_kwargs = {"task": {"required": False, "allow_null": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tasks_app.models import Task

        self.fields["task"].queryset = Task.objects.all()

    def get_task_code(self, obj) -> str | None:
        return obj.task.code if obj.task_id else None


class CriterionResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriterionResult
        fields = ["id", "criterion", "text", "position", "passed", "comment"]
        read_only_fields = ["criterion", "text", "position"]


class CriterionJudgementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    passed = serializers.BooleanField(allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AcceptanceSlotSerializer(serializers.Serializer):
    department = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    signers = serializers.ListField(child=serializers.IntegerField())
    decision = serializers.CharField(allow_null=True)


def _slot_data(slot) -> dict:
    return {
        "department": slot.key,
        "label": slot.label,
        "signers": [u.pk for u in slot.signers if u is not None],
        "decision": slot.latest.decision if slot.latest else None,
    }


class AcceptanceSerializer(serializers.ModelSerializer):
    requirement = VisibleRequirementField()
    requirement_number = serializers.CharField(source="requirement.number", read_only=True)
    acceptance_date = serializers.DateField(source="accepted_on")
    acceptance_departments = serializers.PrimaryKeyRelatedField(
        source="departments", many=True, queryset=Department.objects.all(), allow_empty=False
    )
    quality_rating = serializers.ChoiceField(
        choices=QualityRating.choices, required=False, allow_blank=True
    )
    quality_rating_display = serializers.CharField(
        source="get_quality_rating_display", read_only=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deliverables = AcceptanceDeliverableSerializer(many=True, required=False)
    results = CriterionResultSerializer(many=True, read_only=True)
    result_updates = CriterionJudgementSerializer(many=True, write_only=True, required=False)

    class Meta:
        model = Acceptance
        fields = [
            "id",
            "requirement",
            "requirement_number",
            "attempt",
            "acceptance_date",
            "acceptance_departments",
            "quality_rating",
            "quality_rating_display",
            "quality_comment",
            "status",
            "status_display",
            "round",
            "failure_reason",
            "deliverables",
            "results",
            "result_updates",
            "created_by",
            "created_at",
            "decided_at",
        ]
        read_only_fields = [
            "attempt",
            "status",
            "round",
            "failure_reason",
            "created_by",
            "created_at",
            "decided_at",
        ]

    def validate(self, attrs):
        _keep_parent(self.instance, attrs, "requirement", _("验收记录不能移到其他需求"))
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            return services.acceptance_create(
                requirement=validated_data["requirement"],
                actor=_user(self),
                accepted_on=validated_data["accepted_on"],
                departments=validated_data["departments"],
                quality_rating=validated_data.get("quality_rating", ""),
                quality_comment=validated_data.get("quality_comment", ""),
                deliverables=validated_data.get("deliverables"),
            )

    def update(self, instance, validated_data):
        actor = _user(self)
        deliverables = validated_data.pop("deliverables", None)
        result_updates = validated_data.pop("result_updates", None)
        validated_data.pop("requirement", None)
        with transaction.atomic():
            if validated_data:
                services.acceptance_update(acceptance=instance, actor=actor, data=validated_data)
            if deliverables is not None:
                services.acceptance_set_deliverables(
                    acceptance=instance, actor=actor, items=deliverables
                )
            for item in result_updates or []:
                result = instance.results.filter(pk=item["id"]).first()
                if result is None:
                    raise serializers.ValidationError(
                        {
                            "result_updates": _("验收标准结论 %(id)s 不属于本次验收")
                            % {"id": item["id"]}
                        }
                    )
                services.acceptance_judge(
                    acceptance=instance,
                    actor=actor,
                    result=result,
                    passed=item["passed"],
                    comment=item.get("comment", ""),
                )
        return instance


class AcceptanceDetailSerializer(AcceptanceSerializer):
    signoff_slots = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()

    class Meta(AcceptanceSerializer.Meta):
        fields = [*AcceptanceSerializer.Meta.fields, "signoff_slots", "available_transitions"]

    @extend_schema_field(AcceptanceSlotSerializer(many=True))
    def get_signoff_slots(self, obj) -> list[dict]:
        return [_slot_data(s) for s in signoff_state(obj, ACCEPTANCE_STAGE)]

    def get_available_transitions(self, obj) -> list[str]:
        return _transitions(self, obj)


class ReworkTaskSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    owner_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False
    )
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    deliverable = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs):
        if attrs["planned_end"] < attrs["planned_start"]:
            raise serializers.ValidationError({"planned_end": _("结束日期不能早于开始日期")})
        return attrs


class AcceptanceFailSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    rework = ReworkTaskSerializer(many=True, required=False, default=list)


class AcceptanceSignOffSerializer(serializers.ModelSerializer):
    signer_display = serializers.CharField(source="signer.label", read_only=True)

    class Meta:
        model = SignOff
        fields = ["id", "round", "department", "signer", "signer_display", "decision", "comment"]
        fields += ["signed_at"]


class AcceptanceSignSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=SignOff.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )


class AcceptanceSignOffsSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    signoffs = AcceptanceSignOffSerializer(many=True)
    slots = AcceptanceSlotSerializer(many=True)
    missing = AcceptanceSlotSerializer(many=True)


class AcceptanceFilter(filters.FilterSet):
    class Meta:
        model = Acceptance
        fields = ["requirement", "status", "quality_rating"]


class AcceptanceViewSet(
    ETagMixin,
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Acceptances (成果验收). Lists leave out sign-off state and transitions; the
    detail has both."""

    filterset_class = AcceptanceFilter
    ordering_fields = ["accepted_on", "created_at", "attempt"]

    def get_queryset(self):
        return acceptance_detail_qs().filter(
            pk__in=acceptances_visible_to(self.request.user).values("pk")
        )

    def get_serializer_class(self):
        return AcceptanceSerializer if self.action == "list" else AcceptanceDetailSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acceptance = serializer.save()
        acceptance = self.get_queryset().get(pk=acceptance.pk)
        return Response(self.get_serializer(acceptance).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    submit = transition_action("submit", services.acceptance_submit, target="acceptance")
    revise = transition_action("revise", services.acceptance_revise, target="acceptance")
    accept = transition_action("accept", services.acceptance_accept, target="acceptance")
    fail = transition_action(
        "fail",
        services.acceptance_fail,
        target="acceptance",
        request_serializer=AcceptanceFailSerializer,
    )

    @extend_schema(responses=AcceptanceSignOffsSerializer, request=AcceptanceSignSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def signoffs(self, request, pk=None):
        acceptance = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            body = AcceptanceSignSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.acceptance_sign(
                acceptance=acceptance, actor=request.user, **body.validated_data
            )
            code = status.HTTP_201_CREATED
        slots = signoff_state(acceptance, ACCEPTANCE_STAGE)
        data = {
            "round": acceptance.round,
            "signoffs": list(signoffs_for(acceptance, ACCEPTANCE_STAGE)),
            "slots": [_slot_data(s) for s in slots],
            "missing": [_slot_data(s) for s in slots if not s.approved],
        }
        return Response(AcceptanceSignOffsSerializer(data).data, status=code)


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
        return _transitions(self, obj)

    def validate(self, attrs):
        _keep_parent(self.instance, attrs, "retrospective", _("改进措施不能移到其他复盘"))
        return attrs

    def create(self, validated_data):
        retrospective = validated_data.pop("retrospective")
        return services.improvement_add(
            retrospective=retrospective, actor=_user(self), data=validated_data
        )

    def update(self, instance, validated_data):
        validated_data.pop("retrospective", None)
        return services.improvement_update(
            improvement=instance, actor=_user(self), data=validated_data
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
        actor = _user(self)
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
        return _transitions(self, obj)


class ReadReceiptSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    user_display = serializers.CharField(source="user.label")
    department = serializers.CharField(source="user.department.name", default=None, allow_null=True)
    recipient = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)


class RetrospectiveFilter(filters.FilterSet):
    department = filters.ModelChoiceFilter(
        queryset=Department.objects.all(), method="filter_department", label="涉及或发起部门"
    )
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
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("只有组长、复盘人或协调人可以编辑复盘"))
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    confirm = transition_action("confirm", services.retrospective_confirm, target="retrospective")

    @extend_schema(responses=ReadReceiptSerializer(many=True), request=None)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def reads(self, request, pk=None):
        """GET: who has read the shared report; POST: record that the caller read it."""
        retrospective = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            if retrospective.status != RetrospectiveStatus.CONFIRMED:
                from django.core.exceptions import ValidationError

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
            retrospective=retrospective, actor=_user(self), data=validated_data
        )

    def update(self, instance, validated_data):
        validated_data.pop("retrospective", None)
        return services.metric_update(metric=instance, actor=_user(self), data=validated_data)


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
    requirement = filters.NumberFilter(field_name="retrospective__requirement")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = ImprovementAction
        fields = ["retrospective", "status", "owner", "owner_department"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

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


__all__ = [
    "AcceptanceStatus",
    "AcceptanceViewSet",
    "CriterionViewSet",
    "ImprovementViewSet",
    "MetricViewSet",
    "RetrospectiveViewSet",
]


def register(router):
    router.register("reviews/criteria", CriterionViewSet, basename="review-criterion")
    router.register("reviews/acceptances", AcceptanceViewSet, basename="review-acceptance")
    router.register("reviews/retrospectives", RetrospectiveViewSet, basename="review-retrospective")
    router.register("reviews/metrics", MetricViewSet, basename="review-metric")
    router.register("reviews/improvements", ImprovementViewSet, basename="review-improvement")
