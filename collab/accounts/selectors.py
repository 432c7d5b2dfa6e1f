"""Who sees whom.

Staff, coordinators and members of internal departments see every user. A partner
contact (or a user outside any department) sees only the people they work with: their
own department and the people of the requirements they can see. The registers say who
those are through `add_colleague_source(...)` (the accounts app never imports them).
E-mail and phone are shown only to staff, coordinators and the person.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from .models import User

ColleagueSource = Callable[[User], Q]
_colleague_sources: list[ColleagueSource] = []


def add_colleague_source(source: ColleagueSource) -> None:
    """source(user) answers a condition on users: the people user works with."""
    if source not in _colleague_sources:
        _colleague_sources.append(source)


def sees_everyone(user: User) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff or user.is_coordinator:
        return True
    return user.department_id is not None and not user.is_partner


def users_visible_to(user: User) -> QuerySet[User]:
    users = User.objects.select_related("department")
    if not (user and user.is_authenticated and user.is_active):
        return users.none()
    if sees_everyone(user):
        return users
    visible = Q(pk=user.pk)
    if user.department_id is not None:
        visible |= Q(department_id=user.department_id)
    for source in _colleague_sources:
        visible |= source(user)
    return users.filter(visible)


def sees_contact_details(viewer: User, person: User) -> bool:
    return bool(
        viewer
        and viewer.is_authenticated
        and (viewer.is_staff or viewer.is_coordinator or viewer.pk == person.pk)
    )
