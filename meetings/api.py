from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.viewsets import RegisterViewSet
from requests_app.selectors import requirements_visible_to

from . import services, weekly_api
from .models import RECORD_FIELDS, ActionItem, Meeting, MeetingKind
from .selectors import action_items_visible_to, meeting_detail, meeting_list


class ActionItemSerializer(serializers.ModelSerializer):
    owner_display = serializers.CharField(source="owner.label", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    converted = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "text",
            "owner",
            "owner_display",
            "due_date",
            "status",
            "status_display",
            "converted",
            "created_at",
        ]
        read_only_fields = ["meeting"]

    def get_converted(self, obj) -> dict | None:
        if obj.converted_id is None or obj.converted_type_id is None:
            return None
        target = obj.converted
        content_type = ContentType.objects.get_for_id(obj.converted_type_id)  # cached
        return {
            "type": f"{content_type.app_label}.{content_type.model}",
            "id": obj.converted_id,
            "label": str(target) if target is not None else None,
        }

    def update(self, instance, validated_data):
        return services.action_item_update(
            item=instance, actor=self.context["request"].user, data=validated_data
        )


class MeetingSerializer(serializers.ModelSerializer):
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.requirement.field.related_model.objects.none()
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organizer_display = serializers.CharField(source="organizer.label", read_only=True)
    attendees = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )
    departments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Department.objects.all(), required=False
    )
    action_items = ActionItemSerializer(many=True, read_only=True)
    subject = serializers.SerializerMethodField()
    published_in_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "requirement",
            "kind",
            "kind_display",
            "title",
            "organizer",
            "organizer_display",
            *RECORD_FIELDS,
            "subject",
            "cause_category",
            "solution",
            "recovery_plan",
            "recovery_deadline",
            "action_items",
            "published_at",
            "published_by",
            "published_in_time",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["organizer", "published_at", "published_by"]
        extra_kwargs = {"agenda": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["requirement"].queryset = requirements_visible_to(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["requirement"].read_only = True
            self.fields["kind"].read_only = True

    def get_subject(self, obj) -> dict | None:
        if obj.subject_id is None or obj.subject_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(obj.subject_type_id)  # cached
        return {
            "type": f"{content_type.app_label}.{content_type.model}",
            "id": obj.subject_id,
        }

    def create(self, validated_data):
        attendees = validated_data.pop("attendees", [])
        departments = validated_data.pop("departments", [])
        return services.meeting_create(
            actor=self.context["request"].user,
            attendees=attendees,
            departments=departments,
            **validated_data,
        )

    def update(self, instance, validated_data):
        attendees = validated_data.pop("attendees", None)
        departments = validated_data.pop("departments", None)
        return services.meeting_update(
            meeting=instance,
            actor=self.context["request"].user,
            data=validated_data,
            attendees=attendees,
            departments=departments,
        )


class MeetingFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    published = filters.BooleanFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label="纪要已发布"
    )
    held_after = filters.DateFilter(field_name="held_at", lookup_expr="date__gte")
    held_before = filters.DateFilter(field_name="held_at", lookup_expr="date__lte")

    class Meta:
        model = Meeting
        fields = ["requirement", "kind", "organizer"]


class ActionItemInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    due_date = serializers.DateField()


class ConvertSerializer(serializers.Serializer):
    to = serializers.CharField(default="task")


class ConvertedSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField()


class MeetingViewSet(RegisterViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["held_at", "kind", "published_at", "created_at"]
    search_fields = ["title", "minutes", "agenda"]

    def get_queryset(self):
        if self.action == "list":
            return meeting_list(self.request.user).prefetch_related(
                "action_items__owner", "action_items__converted"
            )
        return meeting_detail(self.request.user)

    def read_back_queryset(self):
        return meeting_detail(self.request.user)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        meeting = self.get_object()
        services.meeting_publish(meeting=meeting, actor=request.user)
        meeting = meeting_detail(request.user).get(pk=meeting.pk)
        return Response(self.get_serializer(meeting).data)

    @extend_schema(request=ActionItemInputSerializer, responses={201: ActionItemSerializer})
    @action(detail=True, methods=["post"], url_path="action-items", filter_backends=[])
    def action_items(self, request, pk=None):
        meeting = self.get_object()
        body = ActionItemInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.action_item_add(meeting=meeting, actor=request.user, **body.validated_data)
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ActionItemViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionItemSerializer
    filterset_fields = ["meeting", "owner", "status", "meeting__requirement"]
    ordering_fields = ["due_date", "status"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return (
            action_items_visible_to(self.request.user)
            .select_related("owner")
            .prefetch_related("converted")
        )

    @extend_schema(request=ConvertSerializer, responses={201: ConvertedSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def convert(self, request, pk=None):
        item = self.get_object()
        body = ConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to = body.validated_data["to"]
        with transaction.atomic():
            created = services.action_item_convert(item=item, actor=request.user, to=to)
        data = {"type": created._meta.label_lower, "id": created.pk, "label": str(created)}
        return Response(ConvertedSerializer(data).data, status=status.HTTP_201_CREATED)


__all__ = ["MeetingViewSet"]


def register(router):
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("action-items", ActionItemViewSet, basename="action-item")
    weekly_api.register(router)
