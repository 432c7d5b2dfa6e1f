"""Pages scoped to one requirement share this: the lookup that answers 404 for a
requirement the user may not see, and rendering under the common header and tabs
(templates/requirement_base.html)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from .models import Requirement
from .selectors import requirement_detail


def requirement_or_404(request, pk) -> Requirement:
    """The requirement with what its header needs, or 404 when the user may not see it."""
    return get_object_or_404(requirement_detail(request.user), pk=pk)


def render_requirement_page(request, template: str, requirement, *, tab: str, **context):
    """Render a page that extends requirement_base.html with `tab` active."""
    return render(request, template, {"requirement": requirement, "active_tab": tab, **context})
