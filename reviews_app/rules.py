"""Who may do what in acceptance and retrospective. Pages, API and admin ask here.

Predicates take (user, object) like `rules`; the `fsm_*` wrappers take (object, user)
as django-fsm's `permission=` expects.
"""

import rules

from requests_app import rules as requirement_rules


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _given(obj) -> bool:
    return obj is not None


def _heads(user, department_id) -> bool:
    if department_id is None:
        return False
    cache = getattr(user, "_headed_department_ids", None)
    if cache is None:
        cache = set(user.headed_departments.values_list("pk", flat=True))
        user._headed_department_ids = cache
    return department_id in cache


@rules.predicate
def can_run_acceptance(user, requirement) -> bool:
    """The initiating department runs acceptance: its contact and head, plus the group
    leader and the coordinator who drive the collaboration."""
    if not (_active(user) and _given(requirement)):
        return False
    return bool(
        requirement.contact_id == user.pk
        or _heads(user, requirement.initiating_department_id)
        or requirement_rules.is_leader(user, requirement)
        or requirement_rules.is_coordinator_of(user, requirement)
    )


@rules.predicate
def can_edit_retrospective(user, retrospective) -> bool:
    if not (_active(user) and _given(retrospective)):
        return False
    requirement = retrospective.requirement
    return bool(
        retrospective.reviewer_id == user.pk
        or requirement_rules.is_leader(user, requirement)
        or requirement_rules.is_coordinator_of(user, requirement)
    )


@rules.predicate
def can_confirm_retrospective(user, retrospective) -> bool:
    """The group leader confirms the report (复盘报告由组长确认)."""
    if not (_active(user) and _given(retrospective)):
        return False
    return bool(requirement_rules.is_leader(user, retrospective.requirement))


@rules.predicate
def can_update_action(user, action) -> bool:
    if not (_active(user) and _given(action)):
        return False
    requirement = action.retrospective.requirement
    return bool(
        action.owner_id == user.pk
        or _heads(user, action.owner_department_id)
        or requirement_rules.is_leader(user, requirement)
        or requirement_rules.is_coordinator_of(user, requirement)
    )


def is_internal(user) -> bool:
    return _active(user) and not user.is_partner


def fsm_can_run_acceptance(acceptance, user) -> bool:
    return bool(can_run_acceptance(user, acceptance.requirement))


def fsm_can_confirm_retrospective(retrospective, user) -> bool:
    return bool(can_confirm_retrospective(user, retrospective))


def fsm_can_update_action(action, user) -> bool:
    return bool(can_update_action(user, action))


rules.add_perm("reviews_app.run_acceptance", can_run_acceptance)
rules.add_perm("reviews_app.edit_retrospective", can_edit_retrospective)
rules.add_perm("reviews_app.confirm_retrospective", can_confirm_retrospective)
rules.add_perm("reviews_app.update_improvement_action", can_update_action)
