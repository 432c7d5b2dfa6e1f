"""Page pieces the acceptance and retrospective views share: the lookups that answer
404 for objects the user may not see, and posting a form to a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404

from collab.core.pages import form_errors, run_service
from collab.core.versioning import save_edit
from requests_app.selectors import requirements_visible_to

from .acceptance.selectors import acceptances_visible_to
from .models import Acceptance, Retrospective


def acceptance_or_404(request, pk) -> Acceptance:
    return get_object_or_404(
        acceptances_visible_to(request.user).select_related("requirement"), pk=pk
    )


def retrospective_or_404(request, pk) -> Retrospective:
    """Writes need the requirement itself to be visible, not just the shared report."""
    return get_object_or_404(
        Retrospective.objects.filter(
            requirement__in=requirements_visible_to(request.user).values("pk")
        ).select_related("requirement", "acceptance"),
        pk=pk,
    )


def submit_form(request, form, call: Callable[[dict], Any], success: str) -> bool:
    """Validate `form` and run `call(cleaned_data)`; invalid input or a refusal becomes
    the page message. True when done."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return False
    return run_service(request, lambda: call(form.cleaned_data), success)


def submit_edit(request, form, call: Callable[[dict], Any], success: str, *, reload_url: str):
    """`submit_form` for an edit form that carries its version (collab.core.versioning):
    a conflict writes nothing and stays on `form.conflict`, for the view to show the
    page again with both values."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    saved = save_edit(request, form, call, success, reload_url=reload_url)
    if saved is None and form.conflict is None:
        messages.error(request, form_errors(form))
