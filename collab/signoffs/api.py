"""The sign-off API every register shares: the serializers and the `signoffs` action.

A viewset adds `signoffs = signoffs_action(stage=..., sign=..., target=...)` to offer
GET (state of the sign-off point) and POST (sign) at `/{id}/signoffs/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.accounts.models import Department
from collab.core import serializers

from .models import SignOff
from .services import signoff_summary


class SignOffSerializer(serializers.ModelSerializer):
    signer_display = serializers.CharField(source="signer.label", read_only=True)

    class Meta:
        model = SignOff
        fields = [
            "id",
            "stage",
            "round",
            "department",
            "signer",
            "signer_display",
            "decision",
            "comment",
            "signed_at",
        ]


class SlotSerializer(serializers.Serializer):
    """One slot of the current round (`department` empty: the personal slot)."""

    department = serializers.IntegerField(source="key", allow_null=True)
    label = serializers.CharField()
    signers = serializers.SerializerMethodField()
    decision = serializers.CharField(source="latest.decision", allow_null=True, default=None)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_signers(self, slot) -> list[int]:
        return [user.pk for user in slot.signers if user is not None]


class SignRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=SignOff.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )


class SignOffsSerializer(serializers.Serializer):
    """A sign-off point: the round, every signature, the slots and those still missing."""

    round = serializers.IntegerField()
    signoffs = SignOffSerializer(many=True)
    slots = SlotSerializer(many=True)
    missing = SlotSerializer(many=True)


def signoffs_action(*, stage: str, sign: Callable[..., Any], target: str):
    """A GET/POST action `/{id}/signoffs/` for the viewset's objects.

    GET shows the sign-off point of `stage`; POST signs it through
    `sign(<target>=obj, actor=user, decision=, comment=, department=)` and answers 201
    with the new state (refusals map to 400/403 in the API's error layer).
    """

    @extend_schema(methods=["GET"], responses=SignOffsSerializer)
    @extend_schema(
        methods=["POST"], request=SignRequestSerializer, responses={201: SignOffsSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def signoffs(self, request, pk=None):
        obj = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            body = SignRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            sign(**{target: obj}, actor=request.user, **body.validated_data)
            obj = self.get_queryset().get(pk=obj.pk)  # fresh prefetched signatures
            code = status.HTTP_201_CREATED
        return Response(SignOffsSerializer(signoff_summary(obj, stage)).data, status=code)

    return signoffs
