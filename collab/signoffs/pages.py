"""Signing from a page: the sign card posts here through each register's sign view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.utils.translation import gettext as _

from collab.core.pages import run_service

from .forms import SignForm


def sign_from_page(request, sign: Callable[..., Any]) -> bool:
    """Parse the sign card's form and call `sign(actor=user, decision, comment,
    department)`; incomplete input or a refusal becomes the page message."""
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("签字信息不完整"))
        return False
    return run_service(request, lambda: sign(actor=request.user, **form.cleaned_data), _("已签字"))
