"""Reads and use cases of saved views. Which query keys a register keeps is declared
here, so a saved view can only ever hold the register's own filters and sorting."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from collab.accounts.models import User
from requests_app.models import GroupMember, Requirement
from requests_app.selectors import requirements_visible_to

from .models import Register, SavedView

# The query keys of each register page (filters and sorting; never the page number).
REGISTER_KEYS = {
    Register.TASKS: ("status", "owner_department", "owner", "overdue", "priority", "mine", "sort"),
    Register.RISKS: (
        "impact",
        "status",
        "kind",
        "owner_department",
        "overdue",
        "escalated",
        "sort",
    ),
}
PAGES = {
    Register.TASKS: ("tasks:register", "tasks:list"),
    Register.RISKS: ("risks:requirement", "risks:list"),
}
NAME_MAX = SavedView._meta.get_field("name").max_length
QUERY_MAX = SavedView._meta.get_field("query").max_length


def clean_query(register: str, params) -> str:
    """The register's own keys of a query string (or QueryDict), non-empty, in order."""
    if isinstance(params, str):
        params = QueryDict(params.lstrip("?"))
    kept = QueryDict(mutable=True)
    for key in REGISTER_KEYS.get(register, ()):
        values = [v for v in params.getlist(key) if v.strip()][:1]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def view_url(view: SavedView) -> str:
    page, across = PAGES[view.register]
    url = reverse(page, args=[view.requirement_id]) if view.requirement_id else reverse(across)
    return f"{url}?{view.query}" if view.query else url


def _in_group(user: User, requirement: Requirement) -> bool:
    return (
        requirement.coordinator_id == user.pk
        or GroupMember.objects.filter(requirement=requirement, user=user).exists()
    )


def saved_views_visible_to(user: User) -> QuerySet[SavedView]:
    """One's own views, and the views shared with a group one belongs to (or
    coordinates) on a requirement one may see."""
    if not (user and user.is_authenticated and user.is_active):
        return SavedView.objects.none()
    member = GroupMember.objects.filter(requirement=OuterRef("requirement_id"), user=user)
    shared = (
        Q(shared=True)
        & Q(requirement__in=requirements_visible_to(user).values("pk"))
        & (Q(Exists(member)) | Q(requirement__coordinator=user))
    )
    return SavedView.objects.filter(Q(owner=user) | shared)


def saved_views_for(user: User, register: str, requirement: Requirement | None):
    """The views a register page offers: of this register and this requirement (or of
    the cross-requirement list)."""
    return (
        saved_views_visible_to(user)
        .filter(register=register, requirement=requirement)
        .select_related("owner")
        .order_by("name", "id")
    )


def saved_views_of(user: User, limit: int = 30) -> list[SavedView]:
    """The workbench's list: every view the person may open, own first."""
    rows = (
        saved_views_visible_to(user)
        .select_related("owner", "requirement")
        .order_by("register", "name", "id")[: limit * 2]
    )
    rows = sorted(rows, key=lambda v: (v.owner_id != user.pk, v.register, v.name, v.pk))
    return rows[:limit]


@transaction.atomic
def saved_view_create(
    *,
    actor: User,
    register: str,
    requirement: Requirement | None,
    name: str,
    query,
    shared: bool = False,
) -> SavedView:
    """Save a register's filters and sorting. `requirement` must be one the actor may
    see (the callers look it up visibly); sharing needs a requirement whose group the
    actor belongs to."""
    errors: dict[str, list[str]] = {}
    if register not in REGISTER_KEYS:
        errors["register"] = [_("未知的登记表")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写视图名称")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("视图名称不能超过%(max)s个字") % {"max": NAME_MAX}]
    if errors:
        raise ValidationError(errors)
    if (
        requirement is not None
        and not requirements_visible_to(actor).filter(pk=requirement.pk).exists()
    ):
        raise PermissionDenied
    if shared and (requirement is None or not _in_group(actor, requirement)):
        raise ValidationError({"shared": [_("只能与自己所在的协作小组共享需求内的视图")]})
    cleaned = clean_query(register, query)
    if len(cleaned) > QUERY_MAX:
        raise ValidationError({"query": [_("筛选条件过长")]})
    duplicate = SavedView.objects.filter(
        owner=actor, register=register, requirement=requirement, name=name
    )
    if duplicate.exists():
        raise ValidationError({"name": [_("您已有同名视图")]})
    return SavedView.objects.create(
        owner=actor,
        register=register,
        requirement=requirement,
        name=name,
        query=cleaned,
        shared=shared,
    )


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: User) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("只能删除自己保存的视图"))
    view.delete()
