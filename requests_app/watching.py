"""Watching a requirement (关注): the button in the requirement's header and
`POST/DELETE /api/v1/requirements/{id}/watch/`. A watcher is told of every event of the
requirement; the initiator and the leader watch by default."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from collab.notifications.models import Watch

from .selectors import requirements_visible_to
from .services import requirement_unwatch, requirement_watch


def is_watching(user, requirement) -> bool:
    return Watch.objects.filter(scope_id=requirement.pk, user=user).exists()


@login_required
@require_POST
def watch_view(request, pk):
    requirement = get_object_or_404(requirements_visible_to(request.user), pk=pk)
    if request.POST.get("watch") == "0":
        requirement_unwatch(requirement=requirement, actor=request.user)
        messages.success(request, _("已取消关注，不再收到该需求的动态"))
    else:
        requirement_watch(requirement=requirement, actor=request.user)
        messages.success(request, _("已关注，该需求的每个动态都会通知您"))
    return redirect("requirements:detail", pk=requirement.pk)


WATCHING = inline_serializer("Watching", {"watching": serializers.BooleanField()})


class WatchActionMixin:
    """`watch/` on the requirement viewset: POST watches, DELETE stops watching."""

    @extend_schema(methods=["POST"], request=None, responses={200: WATCHING})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def watch(self, request, pk=None):
        requirement = self.get_object()
        if request.method == "DELETE":
            requirement_unwatch(requirement=requirement, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        requirement_watch(requirement=requirement, actor=request.user)
        return Response({"watching": True})
