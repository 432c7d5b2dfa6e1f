from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.api import DepartmentFilter
from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ETagMixin, HistoryMixin, transition_action
from collab.core.transitions import available_transitions, may_run
from collab.signoffs.api import signoffs_action

from . import services
from .lifecycle import Step
from .models import (
    REVIEW_STAGE,
    SEED_FIELDS,
    GroupMember,
    GroupRole,
    Requirement,
    RequirementStatus,
)
from .selectors import (
    group_members,
    requirement_detail,
    requirement_list,
    with_condition_values,
)
from .stage import requirement_stage
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


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display = serializers.CharField()


class WhoSerializer(serializers.Serializer):
    users = RefSerializer(many=True)
    departments = RefSerializer(many=True)
    display = serializers.CharField(allow_blank=True)


class NextActionSerializer(serializers.Serializer):
    text = serializers.CharField()
    step = serializers.CharField()
    who = WhoSerializer()
    action = serializers.CharField(allow_null=True, help_text="需求的操作名（可直接调用），或空")
    url = serializers.CharField(allow_blank=True)
    can_act = serializers.BooleanField(help_text="当前用户是否经办此事")


class StageSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Step.choices)
    label = serializers.CharField()
    index = serializers.IntegerField(help_text="六步中的序号，从0开始")
    done = serializers.BooleanField(help_text="闭环已完成：需求已完成且复盘与改进均已完成")


class RequirementDetailSerializer(RequirementSerializer):
    """One requirement: the list's fields, the step of the loop it is in and what
    happens next, with who holds it (requests_app.stage)."""

    stage = serializers.SerializerMethodField()
    next_actions = serializers.SerializerMethodField()

    class Meta(RequirementSerializer.Meta):
        fields = [*RequirementSerializer.Meta.fields, "stage", "next_actions"]

    def _stage(self, obj):
        cached = getattr(self, "_stage_cache", None)
        if cached is None or cached[0] != obj.pk:
            cached = self._stage_cache = (obj.pk, requirement_stage(obj))
        return cached[1]

    @extend_schema_field(StageSerializer)
    def get_stage(self, obj) -> dict:
        stage = self._stage(obj)
        return {"code": stage.code, "label": stage.label, "index": stage.index, "done": stage.done}

    @extend_schema_field(NextActionSerializer(many=True))
    def get_next_actions(self, obj) -> list[dict]:
        request = self.context.get("request")
        user = request.user if request else None
        return [next_action_data(action, obj, user) for action in self._stage(obj).next_actions]


def next_action_data(action, requirement, user) -> dict:
    users = [{"id": u.pk, "display": u.label} for u in action.users]
    departments = [{"id": d.pk, "display": d.name} for d in action.departments]
    can_act = user is not None and (
        action.held_by(user) or bool(action.action and may_run(requirement, action.action, user))
    )
    return {
        "text": action.text,
        "step": action.step,
        "who": {"users": users, "departments": departments, "display": action.who_display},
        "action": action.action,
        "url": action.url,
        "can_act": can_act,
    }


class RequirementFilter(filters.FilterSet):
    department = DepartmentFilter(method="filter_department", label="涉及或发起部门")
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

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_condition_values(page) if page is not None else None

    def get_queryset(self):
        if self.action == "list":
            return requirement_list(self.request.user)
        return requirement_detail(self.request.user)

    def get_serializer_class(self):
        # The list stays at constant queries; one requirement also shows its stage.
        return RequirementSerializer if self.action == "list" else RequirementDetailSerializer

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

    @extend_schema(methods=["GET"], responses=GroupSerializer)
    @extend_schema(
        methods=["POST"], request=GroupMemberSerializer, responses={201: GroupSerializer}
    )
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
