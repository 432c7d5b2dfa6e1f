from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core.api import ETagMixin, HistoryMixin, transition_action
from collab.core.transitions import available_transitions
from collab.signoffs.api import signoffs_action

from . import services
from .models import (
    REVIEW_STAGE,
    SEED_FIELDS,
    GroupMember,
    GroupRole,
    Requirement,
    RequirementStatus,
)
from .selectors import group_members, requirement_detail
from .watching import WatchActionMixin


class RequirementSerializer(serializers.ModelSerializer):
    departments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Department.objects.all(), allow_empty=False
    )
    initiating_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False
    )
    coordinator = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    number = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "id",
            "number",
            "initiating_department",
            "contact",
            *SEED_FIELDS,
            "status",
            "status_display",
            "remarks",
            "coordinator",
            "rejection_reason",
            "review_round",
            "created_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = ["contact", "status", "rejection_reason", "review_round"]

    def get_available_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_transitions(obj, request.user) if request else []

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "结束日期不能早于开始日期"})
        return attrs

    def create(self, validated_data):
        departments = validated_data.pop("departments")
        return services.requirement_create(
            actor=self.context["request"].user, data=validated_data, departments=departments
        )

    def update(self, instance, validated_data):
        departments = validated_data.pop("departments", None)
        return services.requirement_update(
            requirement=instance,
            actor=self.context["request"].user,
            data=validated_data,
            departments=departments,
        )


class RequirementFilter(filters.FilterSet):
    department = filters.ModelChoiceFilter(
        queryset=Department.objects.all(), method="filter_department", label="涉及或发起部门"
    )
    q = filters.CharFilter(method="filter_text", label="关键词")

    class Meta:
        model = Requirement
        fields = ["status", "priority", "initiating_department", "coordinator"]

    def filter_department(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(initiating_department=value) | Q(departments=value)).distinct()

    def filter_text(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(number__icontains=value) | Q(topic__icontains=value) | Q(goal__icontains=value)
        )


class GroupMemberSerializer(serializers.ModelSerializer):
    user_display = serializers.CharField(source="user.label", read_only=True)

    class Meta:
        model = GroupMember
        fields = ["id", "user", "user_display", "department", "role"]
        extra_kwargs = {"department": {"required": False}}


class GroupSerializer(serializers.Serializer):
    leader = serializers.IntegerField(allow_null=True)
    leader_department = serializers.IntegerField(allow_null=True)
    members = GroupMemberSerializer(many=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RequirementViewSet(
    WatchActionMixin,
    ETagMixin,
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilter
    search_fields = ["number", "topic"]
    ordering_fields = ["number", "start_date", "end_date", "priority", "created_at", "status"]

    def get_queryset(self):
        return requirement_detail(self.request.user)

    def perform_create(self, serializer):
        serializer.save()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            requirement = serializer.save()
        requirement = self.get_queryset().get(pk=requirement.pk)
        return Response(self.get_serializer(requirement).data, status=status.HTTP_201_CREATED)

    confirm = transition_action("confirm", services.requirement_confirm, target="requirement")
    reject = transition_action(
        "reject",
        services.requirement_reject,
        target="requirement",
        request_serializer=RejectSerializer,
    )
    resubmit = transition_action("resubmit", services.requirement_resubmit, target="requirement")
    start = transition_action("start", services.requirement_start, target="requirement")
    complete = transition_action("complete", services.requirement_complete, target="requirement")

    @extend_schema(responses=GroupSerializer, request=GroupMemberSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def group(self, request, pk=None):
        requirement = self.get_object()
        if request.method == "POST":
            body = GroupMemberSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.group_add_member(
                requirement=requirement,
                actor=request.user,
                user=body.validated_data["user"],
                role=body.validated_data["role"],
                department=body.validated_data.get("department"),
            )
            requirement = self.get_queryset().get(pk=requirement.pk)
        members = group_members(requirement)
        leader = next((m for m in members if m.role == GroupRole.LEADER), None)
        data = {
            "leader": leader.user_id if leader else None,
            "leader_department": leader.department_id if leader else None,
            "members": members,
        }
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(GroupSerializer(data).data, status=code)

    @extend_schema(responses={204: None}, request=None)
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"group/(?P<member_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def remove_member(self, request, pk=None, member_id=None):
        requirement = self.get_object()
        member = get_object_or_404(GroupMember, pk=member_id, requirement=requirement)
        services.group_remove_member(member=member, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    signoffs = signoffs_action(
        stage=REVIEW_STAGE, sign=services.requirement_sign, target="requirement"
    )


__all__ = ["RequirementStatus", "RequirementViewSet"]


def register(router):
    router.register("requirements", RequirementViewSet, basename="requirement")
