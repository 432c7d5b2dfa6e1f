"""Requirement lookups for the engine, answered by the sheet registered as the scope
(`register_sheet(..., scope=True)`), so the engine itself never imports a register app."""

from django.http import Http404

from . import registry as r


def visible_requirement(user, pk):
    """The requirement if the user may see it, else None."""
    sheet = r.scope_sheet()
    if sheet is None or not user.is_authenticated:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return sheet.visible_requirement(user, pk)


def requirement_or_404(user, pk):
    requirement = visible_requirement(user, pk)
    if requirement is None:
        raise Http404
    return requirement


def batch_visible(user, batch) -> bool:
    """Uploader (or staff) only, and the requirement must still be visible."""
    if not user.is_authenticated or not (user.is_staff or batch.created_by_id == user.pk):
        return False
    return not batch.object_id or visible_requirement(user, batch.object_id) is not None


def job_visible(user, job) -> bool:
    if not user.is_authenticated or not (user.is_staff or job.created_by_id == user.pk):
        return False
    return not job.object_id or visible_requirement(user, job.object_id) is not None
