"""Who may do what with a requirement. Every page, endpoint and admin action asks here.

Functions take (user, requirement) like `rules` predicates; the `fsm_*` wrappers
take (requirement, user) as django-fsm's `permission=` expects.
"""

import rules

EDITABLE_BY_INITIATOR = ("pending_review", "rejected")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _group_roles(user, requirement) -> set[str]:
    """Roles of user in the group; uses a prefetched `members` list when present."""
    cache = getattr(requirement, "_prefetched_objects_cache", {})
    if "members" in cache:
        return {m.role for m in cache["members"] if m.user_id == user.pk}
    return set(requirement.members.filter(user=user).values_list("role", flat=True))


@rules.predicate
def is_coordinator_of(user, requirement) -> bool:
    return _active(user) and requirement.coordinator_id == user.pk


@rules.predicate
def is_initiator(user, requirement) -> bool:
    return _active(user) and requirement.contact_id == user.pk


@rules.predicate
def is_leader(user, requirement) -> bool:
    return _active(user) and "leader" in _group_roles(user, requirement)


@rules.predicate
def is_group_member(user, requirement) -> bool:
    return _active(user) and bool(_group_roles(user, requirement))


@rules.predicate
def can_view(user, requirement) -> bool:
    """Mirror of selectors.requirements_visible_to for one object."""
    if not _active(user):
        return False
    if user.is_staff or requirement.coordinator_id == user.pk:
        return True
    if is_group_member(user, requirement):
        return True
    if user.is_partner:
        return False
    if user.is_coordinator or requirement.contact_id == user.pk:
        return True
    head_of = {d.pk for d in user.headed_departments.all()}
    involved = {d.pk for d in requirement.departments.all()}
    return bool(head_of & (involved | {requirement.initiating_department_id}))


@rules.predicate
def can_edit(user, requirement) -> bool:
    if requirement.status == "completed" or not _active(user):
        return False
    if is_coordinator_of(user, requirement):
        return True
    return requirement.status in EDITABLE_BY_INITIATOR and is_initiator(user, requirement)


@rules.predicate
def can_review(user, requirement) -> bool:
    return bool(is_coordinator_of(user, requirement))


@rules.predicate
def can_resubmit(user, requirement) -> bool:
    return bool(is_initiator(user, requirement) or is_coordinator_of(user, requirement))


@rules.predicate
def can_start(user, requirement) -> bool:
    return bool(is_leader(user, requirement) or is_coordinator_of(user, requirement))


@rules.predicate
def can_manage_group(user, requirement) -> bool:
    if requirement.status in ("completed", "rejected"):
        return False
    return bool(is_coordinator_of(user, requirement))


rules.add_perm("requests_app.view_requirement", can_view)
rules.add_perm("requests_app.change_requirement", can_edit)
rules.add_perm("requests_app.manage_group", can_manage_group)


# django-fsm permission hooks: (instance, user)
def fsm_perm(predicate):
    def check(requirement, user) -> bool:
        return bool(predicate(user, requirement))

    check.__name__ = f"fsm_{predicate.name}"
    return check


fsm_can_review = fsm_perm(can_review)
fsm_can_resubmit = fsm_perm(can_resubmit)
fsm_can_start = fsm_perm(can_start)
