"""Saving a baseline (基线) from the Gantt page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.pages import run_service
from requests_app.pages import requirement_or_404

from .baselines import baseline_save


@login_required
@require_POST
def baseline_create_view(request, pk):
    requirement = requirement_or_404(request, pk)
    name = request.POST.get("name", "")
    saved = {}

    def save():
        saved["baseline"] = baseline_save(requirement=requirement, actor=request.user, name=name)
        return saved["baseline"]

    run_service(request, save, lambda b: _("已保存基线“%(name)s”") % {"name": b.name})
    url = reverse("tasks:gantt", args=[requirement.pk])
    if "baseline" in saved:
        url += f"?baseline={saved['baseline'].pk}"
    return redirect(url)
