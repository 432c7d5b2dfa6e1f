"""API of the standing weekly meeting: GET/POST /requirements/{id}/weekly-schedule/."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import status, viewsets
from rest_framework.response import Response

from collab.accounts.models import User
from collab.core import serializers
from collab.core.schema import AutoSchema
from requests_app.selectors import requirements_visible_to

from .models import Weekday, WeeklyOccurrence, WeeklySchedule
from .recurring import weekly_schedule_save


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "15:30"})
class ClockTimeField(serializers.TimeField):
    """A time of day as HH:MM (local time, Asia/Shanghai)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class OccurrenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeeklyOccurrence
        fields = ["date", "meeting", "skipped_reason"]


class WeeklyScheduleSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices)
    time = ClockTimeField()
    attendees = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )
    occurrences = serializers.SerializerMethodField()

    class Meta:
        model = WeeklySchedule
        fields = [
            "requirement",
            "weekday",
            "time",
            "duration_minutes",
            "location",
            "attendees",
            "active",
            "occurrences",
            "updated_at",
        ]
        read_only_fields = ["requirement", "updated_at"]

    @extend_schema_field(OccurrenceSerializer(many=True))
    def get_occurrences(self, obj) -> list:
        rows = obj.occurrences.order_by("-date")[:12]
        return OccurrenceSerializer(rows, many=True).data


class SingleObjectSchema(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        return False


class WeeklyScheduleViewSet(viewsets.ViewSet):
    """The requirement's weekly meeting schedule; POST sets or changes it (leader or
    coordinator). GET answers 404 while none is set."""

    schema = SingleObjectSchema()

    def _requirement(self, request, requirement_pk):
        return get_object_or_404(requirements_visible_to(request.user), pk=requirement_pk)

    @extend_schema(responses=WeeklyScheduleSerializer)
    def list(self, request, requirement_pk=None):
        requirement = self._requirement(request, requirement_pk)
        schedule = WeeklySchedule.objects.filter(requirement=requirement).first()
        if schedule is None:
            raise Http404
        return Response(WeeklyScheduleSerializer(schedule).data)

    @extend_schema(request=WeeklyScheduleSerializer, responses={200: WeeklyScheduleSerializer})
    def create(self, request, requirement_pk=None):
        requirement = self._requirement(request, requirement_pk)
        body = WeeklyScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        schedule = weekly_schedule_save(
            requirement=requirement,
            actor=request.user,
            weekday=int(data.pop("weekday")),
            attendees=data.pop("attendees", []),
            **data,
        )
        return Response(WeeklyScheduleSerializer(schedule).data, status=status.HTTP_200_OK)


def register(router):
    router.register(
        r"requirements/(?P<requirement_pk>\d+)/weekly-schedule",
        WeeklyScheduleViewSet,
        basename="requirement-weekly-schedule",
    )
