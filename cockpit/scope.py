"""Whose collaborations the cockpit shows: staff and coordinators see all of them, a
department head those their departments initiate or take part in, everyone else none
(partners never see collaborations they are not in)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from collab.accounts.models import Department, User
from requests_app.models import Requirement
from requests_app.selectors import requirements_visible_to


def sees_everything(user: User) -> bool:
    return bool(user.is_staff or (user.is_coordinator and not user.is_partner))


def may_use_cockpit(user: User) -> bool:
    """Whether the cockpit pages answer the user: every internal user (the figures are
    those of their scope, empty for someone who heads no department); partners get 403."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_staff or not user.is_partner


def cockpit_requirements(user: User) -> QuerySet[Requirement]:
    """The requirements the cockpit's figures are computed over for `user`."""
    visible = requirements_visible_to(user)
    if not (user and user.is_authenticated and user.is_active):
        return visible
    if sees_everything(user):
        return visible
    if user.is_partner:
        return visible.none()
    headed = Department.objects.filter(head=user)
    involved = Exists(
        Requirement.departments.through.objects.filter(
            requirement=OuterRef("pk"), department__in=headed
        )
    )
    return visible.filter(Q(initiating_department__in=headed) | Q(involved))
