"""REST API of the acceptance under `reviews/`: criteria and acceptances (with
sign-offs and transitions). Every write goes through services; unseen objects answer 404."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ETagMixin, HistoryMixin, transition_action
from collab.signoffs.api import SlotSerializer, signoffs_action
from collab.signoffs.services import signoff_state

from ..models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceCriterion,
    CriterionResult,
    Deliverable,
    QualityRating,
)
from ..serializers import VisibleRequirementField, acting_user, keep_parent, transitions_for
from . import services
from .selectors import acceptance_detail_qs, acceptances_visible_to, criteria_visible_to


# Acceptance criteria
class CriterionSerializer(serializers.ModelSerializer):
    requirement = VisibleRequirementField()

    class Meta:
        model = AcceptanceCriterion
        fields = ["id", "requirement", "text", "position"]
        read_only_fields = ["position"]

    def validate(self, attrs):
        keep_parent(self.instance, attrs, "requirement", _("验收标准不能移到其他需求"))
        return attrs

    def create(self, validated_data):
        return services.criterion_add(
            requirement=validated_data["requirement"],
            actor=acting_user(self),
            text=validated_data.get("text", ""),
        )

    def update(self, instance, validated_data):
        return services.criterion_update(
            criterion=instance,
            actor=acting_user(self),
            text=validated_data.get("text", instance.text),
        )


class CriterionViewSet(ETagMixin, HistoryMixin, viewsets.ModelViewSet):
    serializer_class = CriterionSerializer
    filterset_fields = ["requirement"]
    ordering_fields = ["position", "id"]

    def get_queryset(self):
        return criteria_visible_to(self.request.user).order_by("-requirement_id", "position", "id")

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
        # The service numbers the attempt (a failed acceptance is followed by attempt 2,
        # 3…) and refuses a second open one; DRF's unique (requirement, attempt) check
        # would test the default attempt 1 and refuse every filing after a failure.
        validators = []

    def validate(self, attrs):
        keep_parent(self.instance, attrs, "requirement", _("验收记录不能移到其他需求"))
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            return services.acceptance_create(
                requirement=validated_data["requirement"],
                actor=acting_user(self),
                accepted_on=validated_data["accepted_on"],
                departments=validated_data["departments"],
                quality_rating=validated_data.get("quality_rating", ""),
                quality_comment=validated_data.get("quality_comment", ""),
                deliverables=validated_data.get("deliverables"),
            )

    def update(self, instance, validated_data):
        actor = acting_user(self)
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

    @extend_schema_field(SlotSerializer(many=True))
    def get_signoff_slots(self, obj) -> list[dict]:
        return SlotSerializer(signoff_state(obj, ACCEPTANCE_STAGE), many=True).data

    def get_available_transitions(self, obj) -> list[str]:
        return transitions_for(self, obj)


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

    signoffs = signoffs_action(
        stage=ACCEPTANCE_STAGE, sign=services.acceptance_sign, target="acceptance"
    )
