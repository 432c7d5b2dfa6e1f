"""API of baselines: GET/POST /requirements/{id}/baselines/, and the `critical` and
baseline dates every task row carries."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers as drf
from rest_framework import status, viewsets
from rest_framework.response import Response

from collab.core import serializers
from requests_app.selectors import requirements_visible_to

from .baselines import baseline_save, baselines_of, task_plan_marks
from .models import Baseline

BASELINE_PARAMETER = OpenApiParameter(
    "baseline",
    OpenApiTypes.INT,
    description="Baseline shown under the bars (default: the latest)",
)


class BaselineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=Baseline._meta.get_field("name").max_length)
    automatic = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(read_only=True)


class BaselineViewSet(viewsets.ViewSet):
    """The baselines of one requirement; the leader or coordinator saves a new one."""

    @extend_schema(responses=BaselineSerializer(many=True))
    def list(self, request, requirement_pk=None):
        requirement = get_object_or_404(requirements_visible_to(request.user), pk=requirement_pk)
        rows = [
            {
                "id": b.pk,
                "name": b.name,
                "automatic": b.automatic,
                "created_at": b.created_at,
                "created_by": b.created_by.label,
            }
            for b in baselines_of(requirement)
        ]
        return Response(BaselineSerializer(rows, many=True).data)

    @extend_schema(request=BaselineSerializer, responses={201: BaselineSerializer})
    def create(self, request, requirement_pk=None):
        requirement = get_object_or_404(requirements_visible_to(request.user), pk=requirement_pk)
        body = BaselineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        baseline = baseline_save(
            requirement=requirement, actor=request.user, name=body.validated_data["name"]
        )
        data = {
            "id": baseline.pk,
            "name": baseline.name,
            "automatic": baseline.automatic,
            "created_at": baseline.created_at,
            "created_by": request.user.label,
        }
        return Response(BaselineSerializer(data).data, status=status.HTTP_201_CREATED)


class PlanMarksMixin(drf.Serializer):
    """`critical` and the task's dates in its requirement's latest baseline, read once for
    the whole page of rows."""

    critical = drf.SerializerMethodField()
    baseline_start = drf.SerializerMethodField()
    baseline_end = drf.SerializerMethodField()

    def _marks(self, obj) -> dict:
        cache = self.context.setdefault("plan_marks", {})
        if obj.pk not in cache:
            page = getattr(self.parent, "instance", None)
            rows = list(page) if isinstance(page, list | tuple) else [obj]
            if obj not in rows:
                rows.append(obj)
            cache.update(task_plan_marks(rows))
        return cache[obj.pk]

    def get_critical(self, obj) -> bool:
        return self._marks(obj)["critical"]

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_baseline_start(self, obj) -> str | None:
        value = self._marks(obj)["baseline_start"]
        return value.isoformat() if value else None

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_baseline_end(self, obj) -> str | None:
        value = self._marks(obj)["baseline_end"]
        return value.isoformat() if value else None


def register(router):
    router.register(
        r"requirements/(?P<requirement_pk>\d+)/baselines",
        BaselineViewSet,
        basename="requirement-baselines",
    )
