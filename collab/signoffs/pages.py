"""Signing from a page: the sign card posts here through each register's sign view.

A plain form post signs and goes back to the page with a message. A post from the card
through htmx answers the signed slot only, so it collapses to its result in place (or
the slot again with the refusal next to the comment box) and tells the page's next steps
to refresh (`collab:signed`); when the signature completes the point, the page reloads
to show the next step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from collab.core.pages import REFUSALS, error_text, run_service

from .forms import SignForm
from .services import signoff_card_slots


def sign_from_page(request, sign: Callable[..., Any]) -> bool:
    """Parse the sign card's form and call `sign(actor=user, decision, comment,
    department)`; incomplete input or a refusal becomes the page message."""
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("签字信息不完整"))
        return False
    return run_service(request, lambda: sign(actor=request.user, **form.cleaned_data), _("已签字"))


def sign_response(
    request, sign: Callable[..., Any], *, target, stage: str, back: str, person_slot: str = ""
) -> HttpResponse:
    """The answer of a register's sign view (see the module doc). `back` is the page the
    card is on; `person_slot` is the card's name of the slot without a department."""
    if not request.htmx:
        sign_from_page(request, sign)
        return redirect(back)
    form = SignForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("签字信息不完整")
    else:
        try:
            sign(actor=request.user, **form.cleaned_data)
        except REFUSALS as refusal:
            error = error_text(refusal)
    target.refresh_from_db()
    slots = signoff_card_slots(target, stage, request.user)
    if not error and all(slot.approved for slot in slots):
        messages.success(request, _("已签字"))
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    department = form.cleaned_data.get("department") if form.is_valid() else None
    key = department.pk if department is not None else None
    slot = next((s for s in slots if s.key == key), None)
    if slot is None:  # not a slot of this point: show why on the page
        messages.error(request, error or _("签字信息不完整"))
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "slot": slot,
        "action": request.path,
        "person_slot": person_slot,
        "error": error,
        "comment": request.POST.get("comment", "") if error else "",
        "signed_now": not error,
    }
    response = HttpResponse(render_to_string("signoffs/_sign_slot.html", context, request=request))
    if not error:  # the page's next steps (whose turn it is) refresh themselves
        response["HX-Trigger"] = "collab:signed"
    return response
