"""Who may do what with a risk or issue record. Pages, API, admin and services ask here.

- anyone in the collaboration (group member, coordinator) records a risk or issue;
- the record's owner, the group leader and the coordinator work on it (start, resolve,
  reopen, special meeting); the leader or coordinator closes it;
- the leader escalates to the coordinator (上报协调人); the coordinator reallocates.
"""

from __future__ import annotations

import rules

from requests_app import rules as requirement_rules

OPEN_REQUIREMENT = ("confirmed", "in_progress")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def manages_all(user, requirement) -> bool:
    return bool(
        requirement_rules.is_coordinator_of(user, requirement)
        or requirement_rules.is_leader(user, requirement)
    )


@rules.predicate
def can_view_risk(user, risk) -> bool:
    """Mirror of selectors.risks_visible_to for one record."""
    if risk is None or not _active(user):  # model-level checks belong to ModelBackend
        return False
    if not user.is_partner and risk.owner_id == user.pk:
        return True
    if not requirement_rules.can_view(user, risk.requirement):
        return False
    if user.is_staff or not user.is_partner:
        return True
    return (
        risk.owner_id == user.pk
        or risk.created_by_id == user.pk
        or (user.department_id is not None and risk.owner_department_id == user.department_id)
    )


def can_create_in(user, requirement) -> bool:
    if not _active(user) or requirement.status not in OPEN_REQUIREMENT:
        return False
    return bool(
        requirement_rules.is_coordinator_of(user, requirement)
        or requirement_rules.is_group_member(user, requirement)
    )


@rules.predicate
def can_work_on(user, risk) -> bool:
    """Owner, leader, coordinator: edit, start, resolve, reopen, convene special meeting."""
    if not _active(user):
        return False
    return risk.owner_id == user.pk or manages_all(user, risk.requirement)


@rules.predicate
def can_edit(user, risk) -> bool:
    if risk is None or risk.status == "closed" or not _active(user):
        return False
    return bool(can_work_on(user, risk) or risk.created_by_id == user.pk)


@rules.predicate
def can_close(user, risk) -> bool:
    return _active(user) and manages_all(user, risk.requirement)


@rules.predicate
def can_escalate(user, risk) -> bool:
    return _active(user) and bool(requirement_rules.is_leader(user, risk.requirement))


@rules.predicate
def can_reallocate(user, risk) -> bool:
    return _active(user) and bool(requirement_rules.is_coordinator_of(user, risk.requirement))


rules.add_perm("risks_app.view_risk", can_view_risk)
rules.add_perm("risks_app.change_risk", can_edit)


def fsm_perm(predicate):
    def check(risk, user) -> bool:
        return bool(predicate(user, risk))

    check.__name__ = f"fsm_{predicate.name}"
    return check


fsm_can_work_on = fsm_perm(can_work_on)
fsm_can_close = fsm_perm(can_close)
