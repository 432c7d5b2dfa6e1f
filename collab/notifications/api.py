"""`notifications/`: the caller's own inbox, mark read / read all, channel choices."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.core import serializers

from .models import ChannelPreference, Notification
from .selectors import notifications_visible_to, with_done
from .services import channel_preference_update, notification_mark_read, notifications_mark_all_read


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="kind_label", read_only=True)
    message = serializers.CharField(source="text", read_only=True)
    action_done = serializers.SerializerMethodField(
        help_text="the notice asks for an action (`action`) that is done by now"
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "message",
            "target",
            "created_at",
            "read_at",
            "action",
            "action_done",
        ]
        read_only_fields = fields

    def get_action_done(self, obj) -> bool:
        return bool(getattr(obj, "is_done", False))


class ChannelPreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChannelPreference
        fields = ["inbox", "email", "robots", "digest", "work_notice"]

    def validate_work_notice(self, value):
        from .personal import work_notice_error

        error = work_notice_error(self.context["request"].user, value or "")
        if error:
            raise serializers.ValidationError(error)
        return value or ""


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    ordering_fields = ["created_at", "read_at"]
    search_fields = ["message"]

    def get_serializer_class(self):
        if self.action == "preferences":
            return ChannelPreferenceSerializer
        return NotificationSerializer

    def get_queryset(self):
        qs = notifications_visible_to(self.request.user).select_related("alert")
        unread = self.request.query_params.get("unread")
        if unread in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="only unread notifications")]
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = with_done(list(page if page is not None else queryset), request.user)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        notification = with_done([self.get_object()], request.user)[0]
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object(), actor=request.user)
        return Response(NotificationSerializer(with_done([notification], request.user)[0]).data)

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = notifications_mark_all_read(actor=request.user)
        return Response({"marked": count}, status=status.HTTP_200_OK)

    @extend_schema(methods=["GET"], responses=ChannelPreferenceSerializer)
    @extend_schema(
        methods=["PUT", "PATCH"],
        request=ChannelPreferenceSerializer,
        responses=ChannelPreferenceSerializer,
    )
    @action(detail=False, methods=["get", "put", "patch"], pagination_class=None)
    def preferences(self, request):
        preference = ChannelPreference.objects.filter(user=request.user).first()
        if request.method == "GET":
            data = ChannelPreferenceSerializer(preference or ChannelPreference()).data
            return Response(data)
        serializer = ChannelPreferenceSerializer(
            preference,
            data=request.data,
            partial=request.method == "PATCH",
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        preference = channel_preference_update(actor=request.user, data=serializer.validated_data)
        return Response(ChannelPreferenceSerializer(preference).data)


def register(router):
    """Registers the inbox endpoints on the v1 router."""
    router.register("notifications", NotificationViewSet, basename="notification")
