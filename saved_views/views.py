"""Saving the current filters of a register page, and deleting a saved view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.pages import REFUSALS, error_text, redirect_next
from requests_app.selectors import requirements_visible_to

from .services import saved_view_create, saved_view_delete, saved_views_visible_to, view_url


@login_required
@require_POST
def save_view(request):
    data = request.POST
    requirement = None
    raw = data.get("requirement", "").strip()
    if raw:
        if not raw.isdigit():
            raise Http404
        requirement = get_object_or_404(requirements_visible_to(request.user), pk=int(raw))
    try:
        view = saved_view_create(
            actor=request.user,
            register=data.get("register", ""),
            requirement=requirement,
            name=data.get("name", ""),
            query=data.get("query", ""),
            shared=data.get("shared") == "1",
        )
    except REFUSALS as error:
        messages.error(request, error_text(error))
        return redirect_next(request, "home")
    messages.success(request, _("已保存视图“%(name)s”") % {"name": view.name})
    return redirect(view_url(view))


@login_required
@require_POST
def delete_view(request, pk):
    view = get_object_or_404(saved_views_visible_to(request.user), pk=pk)
    try:
        saved_view_delete(view=view, actor=request.user)
    except REFUSALS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已删除视图“%(name)s”") % {"name": view.name})
    return redirect_next(request, "home")
