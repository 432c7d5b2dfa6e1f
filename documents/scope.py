"""The only place the document store asks the requirement register about a requirement.

Documents is a platform app: it must not import a register app when it is loaded, so
every call into requests_app happens inside these functions.
"""

from __future__ import annotations

from django.db.models import QuerySet


def requirements_visible_to(user) -> QuerySet:
    from requests_app.selectors import requirements_visible_to as visible

    return visible(user)


def led_requirements(user) -> QuerySet:
    """Ids of requirements whose collaboration group `user` leads (a subquery)."""
    from requests_app.models import GroupMember, GroupRole

    return GroupMember.objects.filter(user=user, role=GroupRole.LEADER).values("requirement_id")


def group_requirements(user) -> QuerySet:
    """Ids of requirements whose group `user` belongs to, in any role (a subquery)."""
    from requests_app.models import GroupMember

    return GroupMember.objects.filter(user=user).values("requirement_id")


def can_view_requirement(user, requirement) -> bool:
    from requests_app.rules import can_view

    return bool(can_view(user, requirement))


def is_leader(user, requirement) -> bool:
    from requests_app.rules import is_leader as leader

    return bool(leader(user, requirement))


def is_group_member(user, requirement) -> bool:
    from requests_app.rules import is_group_member as member

    return bool(member(user, requirement))


def requirement_model():
    from django.apps import apps

    return apps.get_model("requests_app", "Requirement")


def requirement_id_of(obj) -> int | None:
    """The requirement a linkable object belongs to: its own `requirement`, or its
    task's (a plan written for a task)."""
    requirement_id = getattr(obj, "requirement_id", None)
    if requirement_id is not None:
        return requirement_id
    task = getattr(obj, "task", None)
    return getattr(task, "requirement_id", None) if task is not None else None
