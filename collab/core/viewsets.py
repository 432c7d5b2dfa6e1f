"""Pieces shared by the registers' API viewsets."""

from django.db import transaction
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .api import ETagMixin, HistoryMixin


class CreateReadBackMixin:
    """`create` saves through the serializer (and so the service) in one transaction and
    answers the new object as the detail endpoint shows it (annotations included)."""

    def read_back_queryset(self):
        return self.get_queryset()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            created = serializer.save()
        created = self.read_back_queryset().get(pk=created.pk)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class RegisterViewSet(
    ETagMixin,
    HistoryMixin,
    CreateReadBackMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """A register's records: list, detail with ETag, create, update with If-Match, and
    `history/`. Transitions are added per register with `transition_action`."""
