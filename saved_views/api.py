"""GET/POST /saved-views/, GET/DELETE /saved-views/{id}/: one's own views and those
shared with one's groups; `url` opens the register with the saved filters."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from collab.core import serializers
from requests_app.models import Requirement
from requests_app.selectors import requirements_visible_to

from .models import Register, SavedView
from .services import saved_view_create, saved_view_delete, saved_views_visible_to, view_url


class SavedViewSerializer(serializers.ModelSerializer):
    register = serializers.ChoiceField(choices=Register.choices)
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=Requirement.objects.none(), required=False, allow_null=True
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    owner_display = serializers.CharField(source="owner.label", read_only=True)
    query = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = [
            "id",
            "register",
            "requirement",
            "name",
            "query",
            "shared",
            "owner",
            "owner_display",
            "url",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["requirement"].queryset = requirements_visible_to(request.user)

    def get_url(self, obj) -> str:
        return view_url(obj)

    def create(self, validated_data):
        return saved_view_create(actor=self.context["request"].user, **validated_data)


class SavedViewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SavedViewSerializer

    def get_queryset(self):
        qs = saved_views_visible_to(self.request.user).select_related("owner")
        register = self.request.query_params.get("register")
        if register in Register.values:
            qs = qs.filter(register=register)
        return qs.order_by("register", "name", "id")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def destroy(self, request, *args, **kwargs):
        saved_view_delete(view=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router):
    router.register("saved-views", SavedViewViewSet, basename="saved-view")
