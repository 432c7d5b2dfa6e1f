"""Pieces shared by the registers' API viewsets."""

from django.db import transaction
from rest_framework import status
from rest_framework.response import Response


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
