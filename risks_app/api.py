from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ReasonSerializer, transition_action
from collab.core.transitions import available_transitions
from collab.core.viewsets import RegisterViewSet
from meetings.api import MeetingSerializer
from meetings.selectors import meeting_detail
from requests_app.selectors import requirements_visible_to
from tasks_app.models import Task

from . import services
from .models import Impact, Reallocation, Risk, RiskKind, RiskStatus
from .selectors import filter_risks, risk_detail, risk_list
from .services import SYSTEM_FIELDS


class RiskSerializer(serializers.ModelSerializer):
    requirement = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none())
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    owner_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    code = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    impact_display = serializers.CharField(source="get_impact_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    is_escalated = serializers.BooleanField(read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "requirement",
            "task",
            "code",
            "kind",
            "kind_display",
            "description",
            "impact",
            "impact_display",
            "owner_department",
            "owner",
            "occurred_on",
            "planned_resolution",
            "actual_resolution",
            "measures",
            "result",
            "status",
            "status_display",
            "is_overdue",
            "reopen_reason",
            "is_escalated",
            "escalated_at",
            "escalated_by",
            "escalation_note",
            "created_by",
            "created_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = ["status", *SYSTEM_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["requirement"].queryset = requirements_visible_to(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["requirement"].read_only = True

    def get_available_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_transitions(obj, request.user) if request else []

    def create(self, validated_data):
        requirement = validated_data.pop("requirement")
        return services.risk_create(
            requirement=requirement, actor=self.context["request"].user, data=validated_data
        )

    def update(self, instance, validated_data):
        return services.risk_update(
            risk=instance, actor=self.context["request"].user, data=validated_data
        )


class RiskFilter(filters.FilterSet):
    impact = filters.ChoiceFilter(choices=Impact.choices)
    status = filters.ChoiceFilter(choices=RiskStatus.choices)
    kind = filters.ChoiceFilter(choices=RiskKind.choices)
    overdue = filters.BooleanFilter(method="filter_flag", label="逾期未解决")
    escalated = filters.BooleanFilter(method="filter_flag", label="已上报")

    class Meta:
        model = Risk
        fields = ["requirement", "task", "impact", "status", "kind", "owner_department", "owner"]

    def filter_flag(self, queryset, name, value):
        if value is None:
            return queryset
        if name == "escalated":
            return queryset.filter(escalated_at__isnull=not value)
        return filter_risks(queryset, {"overdue": "1" if value else "0"})


class ResolveSerializer(serializers.Serializer):
    measures = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    actual_resolution = serializers.DateField(required=False, allow_null=True)
    result = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class EscalateSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ReallocateSerializer(serializers.Serializer):
    task = serializers.PrimaryKeyRelatedField(queryset=Task.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    add_collaborators = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    reason = serializers.CharField(max_length=2000)


class ReallocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reallocation
        fields = ["id", "risk", "task", "change", "detail", "reason", "actor", "created_at"]


class SpecialMeetingSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, allow_empty=False
    )
    attendees = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    cause_category = serializers.CharField()
    solution = serializers.CharField()
    recovery_plan = serializers.CharField()
    recovery_deadline = serializers.DateField()
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.CharField(required=False, allow_blank=True, default="")


class RiskViewSet(RegisterViewSet):
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    search_fields = ["description", "measures", "code"]
    ordering_fields = ["code", "impact", "status", "occurred_on", "planned_resolution"]

    def get_queryset(self):
        if self.action == "list":
            return risk_list(self.request.user).order_by("requirement_id", "code")
        return risk_detail(self.request.user)

    def read_back_queryset(self):
        return risk_detail(self.request.user)

    start = transition_action("start", services.risk_start, target="risk")
    resolve = transition_action(
        "resolve", services.risk_resolve, target="risk", request_serializer=ResolveSerializer
    )
    close = transition_action("close", services.risk_close, target="risk")
    reopen = transition_action(
        "reopen", services.risk_reopen, target="risk", request_serializer=ReopenSerializer
    )

    @extend_schema(request=EscalateSerializer, responses=RiskSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def escalate(self, request, pk=None):
        risk = self.get_object()
        body = EscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.risk_escalate(risk=risk, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(risk_detail(request.user).get(pk=risk.pk)).data)

    @extend_schema(methods=["GET"], responses=ReallocationSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ReallocateSerializer,
        responses={201: ReallocationSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def reallocations(self, request, pk=None):
        risk = self.get_object()
        if request.method == "POST":
            body = ReallocateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            with transaction.atomic():
                changes = services.risk_reallocate(
                    risk=risk, actor=request.user, **body.validated_data
                )
            return Response(
                ReallocationSerializer(changes, many=True).data, status=status.HTTP_201_CREATED
            )
        return Response(ReallocationSerializer(risk.reallocations.all(), many=True).data)

    @extend_schema(request=SpecialMeetingSerializer, responses={201: MeetingSerializer})
    @action(detail=True, methods=["post"], url_path="special-meeting", filter_backends=[])
    def special_meeting(self, request, pk=None):
        risk = self.get_object()
        body = SpecialMeetingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            meeting = services.risk_convene_special_meeting(
                risk=risk, actor=request.user, **body.validated_data
            )
        meeting = meeting_detail(request.user).get(pk=meeting.pk)
        data = MeetingSerializer(meeting, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


__all__ = ["ReasonSerializer", "RiskViewSet"]


def register(router):
    router.register("risks", RiskViewSet, basename="risk")
