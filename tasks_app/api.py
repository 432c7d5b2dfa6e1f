from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ReasonSerializer, transition_action
from collab.core.schema import OneObjectSchema
from collab.core.transitions import available_transitions
from collab.core.viewsets import RegisterViewSet
from collab.signoffs.api import signoffs_action
from requests_app.models import Priority, Requirement
from requests_app.selectors import requirements_visible_to

from . import baseline_api, plan_services, services
from .baseline_api import BASELINE_PARAMETER, BaselineSerializer, PlanMarksMixin
from .baselines import gantt_marks
from .board import GANTT_WINDOW
from .models import PLAN_STAGE, Plan, PlanComment, PlanVersion, ProgressUpdate, Task, TaskStatus
from .plan_services import PLAN_FIELDS
from .selectors import gantt_groups, gantt_rows, plan_list, progress_updates, task_list


class TaskSerializer(PlanMarksMixin, serializers.ModelSerializer):
    requirement = serializers.PrimaryKeyRelatedField(queryset=Requirement.objects.none())
    code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    owner_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    owner_display = serializers.CharField(source="owner.label", read_only=True)
    collaborating_departments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Department.objects.all(), required=False
    )
    collaborators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )
    depends_on = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Task.objects.all(), required=False
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    delay_days = serializers.IntegerField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    latest_note = serializers.CharField(read_only=True, allow_null=True)
    available_transitions = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "requirement",
            "code",
            "name",
            "owner_department",
            "owner",
            "owner_display",
            "collaborating_departments",
            "collaborators",
            "depends_on",
            "planned_start",
            "planned_end",
            "actual_end",
            "status",
            "status_display",
            "deliverable",
            "priority",
            "progress",
            "block_reason",
            "cancel_reason",
            "delay_days",
            "is_overdue",
            "latest_note",
            "available_transitions",
            "warnings",
            "critical",
            "baseline_start",
            "baseline_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["actual_end", "status", "block_reason", "cancel_reason"]
        validators = []  # uniqueness of the code is checked by the service, in Chinese

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "requirement" in self.fields:
            if self.instance is not None and not isinstance(self.instance, list):
                self.fields["requirement"].read_only = True
            else:
                self.fields["requirement"].queryset = requirements_visible_to(request.user)

    def get_available_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_transitions(obj, request.user) if request else []

    def get_warnings(self, obj) -> list[str]:
        if not self.context.get("detail"):
            return []
        return services.task_warnings(obj)

    def create(self, validated_data):
        return services.task_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("requirement", None)
        return services.task_update(
            task=instance, actor=self.context["request"].user, data=validated_data
        )


class TaskOrdering(OrderingFilter):
    """`code` sorts by WBS order (1.9 before 1.10)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        mapped = []
        for field in ordering:
            name = field.lstrip("-")
            prefix = field[: len(field) - len(name)]
            mapped.append(prefix + ("code_sort" if name == "code" else name))
        return [*mapped, "id"]


class TaskFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    overdue = filters.BooleanFilter(field_name="is_overdue", label="已逾期")
    planned_end_before = filters.DateFilter(field_name="planned_end", lookup_expr="lte")
    planned_end_after = filters.DateFilter(field_name="planned_end", lookup_expr="gte")
    delay_days_min = filters.NumberFilter(field_name="delay_days", lookup_expr="gte")

    class Meta:
        model = Task
        fields = ["requirement", "owner_department", "owner"]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author_display = serializers.CharField(source="author.label", read_only=True)
    kind = serializers.ChoiceField(
        choices=ProgressUpdate.Kind.choices, default=ProgressUpdate.Kind.PROGRESS
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "task",
            "kind",
            "progress",
            "note",
            "expected_end",
            "created_at",
            "author",
            "author_display",
        ]
        read_only_fields = ["task", "author", "created_at"]


class FinishSerializer(ReasonSerializer):
    actual_end = serializers.DateField(required=False, allow_null=True)


class RescheduleSerializer(serializers.Serializer):
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TaskViewSet(RegisterViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    filter_backends = [
        filters.DjangoFilterBackend,
        TaskOrdering,
        SearchFilter,
    ]
    search_fields = ["code", "name", "deliverable"]
    ordering_fields = ["planned_end", "delay_days", "priority", "code"]
    ordering = ["-requirement_id", "code_sort", "id"]

    def get_queryset(self):
        return task_list(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["detail"] = self.detail
        return context

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        task = self.get_queryset().get(pk=kwargs["pk"])
        response.data = self.get_serializer(task).data
        return response

    start = transition_action("start", services.task_start, target="task")
    block = transition_action("block", services.task_block, target="task")
    unblock = transition_action("unblock", services.task_unblock, target="task")
    finish = transition_action(
        "finish", services.task_finish, target="task", request_serializer=FinishSerializer
    )
    reopen = transition_action("reopen", services.task_reopen, target="task")
    cancel = transition_action("cancel", services.task_cancel, target="task")
    reschedule = transition_action(
        "reschedule",
        services.task_reschedule,
        target="task",
        request_serializer=RescheduleSerializer,
    )

    @extend_schema(methods=["GET"], responses=ProgressUpdateSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ProgressUpdateSerializer,
        responses={201: ProgressUpdateSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def updates(self, request, pk=None):
        task = self.get_object()
        if request.method == "POST":
            body = ProgressUpdateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            update = services.task_post_update(task=task, actor=request.user, **body.validated_data)
            return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(progress_updates(task))
        return self.get_paginated_response(ProgressUpdateSerializer(page, many=True).data)


class GanttTaskSerializer(serializers.Serializer):
    id = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    actual_end = serializers.DateField(allow_null=True)
    progress = serializers.IntegerField()
    dependencies = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    owner = serializers.CharField()
    owner_department = serializers.CharField()
    delay_days = serializers.IntegerField()
    is_overdue = serializers.BooleanField()
    editable = serializers.BooleanField()
    custom_class = serializers.CharField()
    critical = serializers.BooleanField()
    baseline_start = serializers.DateField(allow_null=True)
    baseline_end = serializers.DateField(allow_null=True)
    slip_days = serializers.IntegerField(allow_null=True)


class GanttSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    today = serializers.DateField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    total = serializers.IntegerField(help_text="Bars in the whole chart.")
    offset = serializers.IntegerField()
    next_offset = serializers.IntegerField(
        allow_null=True, help_text="`offset` of the next window; null after the last."
    )
    tasks = GanttTaskSerializer(many=True)
    baselines = BaselineSerializer(many=True)
    baseline = serializers.IntegerField(allow_null=True)


class GanttQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=GANTT_WINDOW)
    groups = serializers.BooleanField(required=False, default=False)


class GanttViewSet(viewsets.ViewSet):
    """GET /requirements/{id}/gantt/: the Gantt data of one requirement."""

    schema = OneObjectSchema()

    @extend_schema(
        responses=GanttSerializer,
        parameters=[
            OpenApiParameter(
                "offset", int, description="First row of the window (WBS order), from 0."
            ),
            OpenApiParameter(
                "limit", int, description=f"Rows in the window (1 to {GANTT_WINDOW}, the default)."
            ),
            OpenApiParameter(
                "groups",
                bool,
                description="true: one summary bar per top-level WBS group instead of tasks.",
            ),
            BASELINE_PARAMETER,
        ],
    )
    def list(self, request, requirement_pk=None):
        requirement = get_object_or_404(requirements_visible_to(request.user), pk=requirement_pk)
        query = GanttQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("groups"):
            rows = gantt_groups(requirement)
            data = gantt_rows(requirement, request.user, limit=0)
            data.update(tasks=rows, total=len(rows), next_offset=None)
        else:
            data = gantt_rows(
                requirement,
                request.user,
                offset=params.get("offset", 0),
                limit=params.get("limit", GANTT_WINDOW),
            )
        return Response(gantt_marks(data, requirement, request.query_params.get("baseline")))


# Plans ----------------------------------------------------------------------------
class PlanSerializer(serializers.ModelSerializer):
    requirement = serializers.PrimaryKeyRelatedField(queryset=Requirement.objects.none())
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    author_display = serializers.CharField(source="author.label", read_only=True)
    resources = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id",
            "requirement",
            "task",
            *PLAN_FIELDS,
            "resources",
            "version",
            "status",
            "status_display",
            "author",
            "author_display",
            "available_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "status", "author"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "requirement" in self.fields:
            if self.instance is not None and not isinstance(self.instance, list):
                self.fields["requirement"].read_only = True
                self.fields["task"].read_only = True
            else:
                self.fields["requirement"].queryset = requirements_visible_to(request.user)

    def get_resources(self, obj) -> dict:
        return {
            "budget_amount": str(obj.budget_amount) if obj.budget_amount is not None else None,
            "budget_unit": obj.budget_unit,
            "budget_unit_display": obj.get_budget_unit_display(),
            "people": obj.people,
            "tools": obj.tools,
        }

    def get_available_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_transitions(obj, request.user) if request else []

    def create(self, validated_data):
        return plan_services.plan_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return plan_services.plan_update(
            plan=instance, actor=self.context["request"].user, data=validated_data
        )


class PlanCommentSerializer(serializers.ModelSerializer):
    author_display = serializers.CharField(source="author.label", read_only=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = PlanComment
        fields = ["id", "version", "department", "author", "author_display", "body", "created_at"]
        read_only_fields = ["version", "author", "created_at"]


class PlanVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = [
            "version",
            *PLAN_FIELDS,
            "submitted_by",
            "submitted_at",
        ]


class PlanFilter(filters.FilterSet):
    class Meta:
        model = Plan
        fields = ["requirement", "task", "status"]


class PlanViewSet(RegisterViewSet):
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["created_at", "updated_at", "version", "status"]
    ordering = ["-requirement_id", "id"]

    def get_queryset(self):
        return plan_list(self.request.user)

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()

    submit = transition_action("submit", plan_services.plan_submit, target="plan")
    approve = transition_action("approve", plan_services.plan_approve, target="plan")
    revise = transition_action("revise", plan_services.plan_revise, target="plan")

    signoffs = signoffs_action(stage=PLAN_STAGE, sign=plan_services.plan_sign, target="plan")

    @extend_schema(methods=["GET"], responses=PlanCommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=PlanCommentSerializer, responses={201: PlanCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            body = PlanCommentSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            comment = plan_services.plan_comment(
                plan=plan, actor=request.user, **body.validated_data
            )
            return Response(PlanCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = plan.comments.select_related("author", "department")
        return Response(PlanCommentSerializer(comments, many=True).data)

    @extend_schema(responses=PlanVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        plan = self.get_object()
        return Response(PlanVersionSerializer(plan.versions.all(), many=True).data)


def register(router):
    """Registers this app's endpoints on the v1 router."""
    router.register("tasks", TaskViewSet, basename="task")
    router.register("plans", PlanViewSet, basename="plan")
    baseline_api.register(router)
    router.register(
        r"requirements/(?P<requirement_pk>\d+)/gantt", GanttViewSet, basename="requirement-gantt"
    )
