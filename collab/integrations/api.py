"""Event webhook subscriptions in the API (staff only): CRUD, the delivery log of a
subscription and the test event."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.core import serializers
from collab.core.api import ETagMixin
from collab.notifications.models import Delivery

from . import webhooks
from .models import WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=False,
        help_text="event kinds (the notification events, e.g. task_late)",
    )
    secret = serializers.CharField(
        write_only=True, min_length=16, max_length=200, help_text="HMAC-SHA256 key"
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "secret", "kinds", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_kinds(self, value):
        known = set(webhooks.subscribable_kinds())
        unknown = sorted({k for k in value if k not in known})
        if unknown:
            raise serializers.ValidationError(f"unknown event kinds: {', '.join(unknown)}")
        return list(dict.fromkeys(value))

    def validate_url(self, value):
        if not value.startswith(("https://", "http://")):
            raise serializers.ValidationError("must start with http:// or https://")
        return value

    def create(self, validated_data):
        return webhooks.subscription_save(
            subscription=WebhookSubscription(**validated_data),
            actor=self.context["request"].user,
        )

    def update(self, instance, validated_data):
        for key, value in validated_data.items():
            setattr(instance, key, value)
        return webhooks.subscription_save(subscription=instance, actor=self.context["request"].user)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="alert.kind", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
            "next_attempt_at",
        ]
        read_only_fields = fields


class WebhookSubscriptionViewSet(ETagMixin, viewsets.ModelViewSet):
    """Other systems' subscriptions to Collab's events (staff only)."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [permissions.IsAdminUser]
    queryset = WebhookSubscription.objects.order_by("name", "id")
    ordering_fields = ["name", "created_at"]
    search_fields = ["name", "url"]

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        rows = (
            Delivery.objects.filter(subscription=subscription)
            .select_related("alert")
            .order_by("-created_at", "-id")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = webhooks.subscription_send_test(
            subscription=self.get_object(), actor=request.user
        )
        delivery = Delivery.objects.select_related("alert").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


def register(router):
    router.register(
        "integrations/webhooks", WebhookSubscriptionViewSet, basename="webhook-subscription"
    )
