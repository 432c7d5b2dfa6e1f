"""The shared page layer: what every server-rendered page does the same way.

- `run_service(request, call, success)`: run a use case and turn its refusal
  (TransitionBlocked, PermissionDenied, ValidationError) into the page message; the API
  maps the same exceptions in `collab.core.api`.
- `transition_buttons(obj, user)`: the buttons of an object's declared lifecycle the
  user may press now, each with the reasons it is blocked.
- `error_text`, `form_errors`, `redirect_next`: the small pieces around them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .lifecycle import Lifecycle
from .transitions import TransitionBlocked, blocking_reasons, may_run

REFUSALS = (TransitionBlocked, PermissionDenied, ValidationError)


def error_text(error: Exception) -> str:
    """The sentence a user reads for a refused use case."""
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or _("您没有执行该操作的权限")
    return str(error)


def run_service(request, call: Callable[[], Any], success: str | Callable[[Any], str]) -> bool:
    """Run a service; on refusal show why instead of failing the page. True when done.

    `success` is the message shown when done, or a function of the service's result
    (e.g. to name the new status).
    """
    try:
        result = call()
    except REFUSALS as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def submit_form(request, form, call: Callable[[dict], Any], success: str | Callable[[Any], str]):
    """Run a service with a valid form's data. A refusal goes next to the form's fields
    (the form is shown again); on success the message is shown and the result returned.
    Answers None when refused."""
    try:
        result = call(dict(form.cleaned_data))
    except ValidationError as error:
        apply_errors(form, error)
        return None
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("您没有执行该操作的权限"))
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result


def form_errors(form) -> str:
    """Form errors as one message, each prefixed with its field label."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        parts.extend(f"{label}{error}" for error in errors)
    return "；".join(parts)


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's field errors next to the form's fields (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def transition_buttons(
    obj, user, *, names: Iterable[str] | None = None, unexplained: Iterable[str] = ()
) -> list[dict]:
    """Buttons for the declared transitions of `obj` the user may run from its state.

    Each carries the reasons it is blocked now (empty when it can run), so a page shows
    a disabled button with the sentence from the lifecycle instead of hiding it. Names in
    `unexplained` skip that: their form on the page asks for what they need.
    """
    lifecycle = Lifecycle.registry[obj._meta.label]
    buttons = []
    for declared in lifecycle.transitions.values():
        if names is not None and declared.name not in names:
            continue
        if not may_run(obj, declared.name, user):
            continue
        buttons.append(
            {
                "name": declared.name,
                "label": declared.label,
                "needs_reason": declared.needs_reason,
                "reasons": []
                if declared.name in unexplained
                else blocking_reasons(obj, declared.name),
            }
        )
    return buttons


def redirect_next(request, *fallback_args, **fallback_kwargs):
    """Back to the page the form came from (`next`, same host only), else the fallback."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(*fallback_args, **fallback_kwargs)
