"""The hand-over page of a person who left: their open work (read from every to-do
source), and the button a coordinator presses when it has been reassigned."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from collab.notifications import todos

from . import orgsync
from .models import Handover


def open_work_of(user) -> list[todos.Todo]:
    """The to-dos the person still holds (their account is inactive, so the sources are
    asked directly)."""
    today = timezone.localdate()
    found = []
    for source in todos.sources():
        if source.key == "handover":
            continue
        found.extend(source.func(user, today))
    return found


@login_required
@require_http_methods(["GET", "POST"])
def handover(request, pk: int):
    if not (request.user.is_coordinator or request.user.is_staff):
        raise Http404
    item = get_object_or_404(Handover.objects.select_related("user", "done_by"), pk=pk)
    if request.method == "POST":
        orgsync.handover_done(handover=item, actor=request.user)
        messages.success(request, _("已标记交接完成"))
        return redirect("identity:handover", pk=item.pk)
    return render(
        request,
        "identity/handover.html",
        {"handover": item, "open_work": open_work_of(item.user)},
    )
