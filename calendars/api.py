"""GET /calendar-feed/: the caller's private iCal URLs; POST /calendar-feed/regenerate/
replaces the token (the old URLs answer 404)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.core import serializers
from collab.core.schema import AutoSchema

from .services import calendar_feed_get, calendar_feed_regenerate
from .views import _subscribed_requirements, feed_urls


class RequirementFeedSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    number = serializers.CharField()
    url = serializers.URLField()


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField()
    requirements = RequirementFeedSerializer(many=True)


class SingleObjectSchema(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        return False


def _answer(request, token: str) -> Response:
    urls = feed_urls(request, token, _subscribed_requirements(request.user))
    return Response(
        {
            "url": urls["personal"],
            "requirements": [
                {"requirement": r.pk, "number": r.number, "url": url}
                for r, url in urls["requirements"]
            ],
        }
    )


class CalendarFeedViewSet(viewsets.ViewSet):
    schema = SingleObjectSchema()

    @extend_schema(responses=CalendarFeedSerializer)
    def list(self, request):
        return _answer(request, calendar_feed_get(user=request.user).token)

    @extend_schema(request=None, responses=CalendarFeedSerializer)
    @action(detail=False, methods=["post"])
    def regenerate(self, request):
        return _answer(request, calendar_feed_regenerate(actor=request.user).token)


def register(router):
    router.register("calendar-feed", CalendarFeedViewSet, basename="calendar-feed")
