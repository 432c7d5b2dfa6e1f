"""Pages scoped to one requirement share this: the lookup that answers 404 for a
requirement the user may not see, and rendering under the common header and tabs
(templates/requirement_base.html)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from .models import Requirement
from .selectors import requirement_detail, requirements_visible_to


def requirement_or_404(request, pk, *, detail: bool = False) -> Requirement:
    """The requirement a page is scoped to, or 404 when the user may not see it.

    By default only what the header and the permission rules read, so each page's query
    count is its own; `detail=True` also loads the group, sign-offs and whatever the
    lifecycle's conditions read (the requirement's own page).
    """
    if detail:
        queryset = requirement_detail(request.user)
    else:
        queryset = requirements_visible_to(request.user).select_related("initiating_department")
    return get_object_or_404(queryset, pk=pk)


def render_requirement_page(request, template: str, requirement, *, tab: str, **context):
    """Render a page that extends requirement_base.html with `tab` active."""
    return render(request, template, {"requirement": requirement, "active_tab": tab, **context})
