"""Serializer pieces the acceptance and retrospective APIs share."""

from __future__ import annotations

from collab.core import serializers
from collab.core.transitions import available_transitions
from requests_app.selectors import requirements_visible_to


class VisibleRequirementField(serializers.PrimaryKeyRelatedField):
    """A requirement the caller can see; others are reported as not existing."""

    def get_queryset(self):
        return requirements_visible_to(self.context["request"].user)


def keep_parent(instance, attrs: dict, field: str, message: str) -> None:
    """A child row stays with its parent: changing it is refused with a field error."""
    parent = attrs.get(field)
    if (
        instance is not None
        and parent is not None
        and parent.pk != getattr(instance, f"{field}_id")
    ):
        raise serializers.ValidationError({field: message})


def acting_user(serializer):
    return serializer.context["request"].user


def transitions_for(serializer, obj) -> list[str]:
    request = serializer.context.get("request")
    return available_transitions(obj, request.user) if request else []
