"""Running django-fsm transitions with reasons, permissions and history.

The transitions themselves, with their conditions and permissions, are declared in
each register's `lifecycle.py` (see `collab.core.lifecycle`); this module runs them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .lifecycle import Guard


class TransitionBlocked(Exception):
    """The transition is not allowed now; `reasons` says why (answers 409)."""

    def __init__(self, reasons: list[str]):
        self.reasons = [str(r) for r in reasons]
        super().__init__("；".join(self.reasons))


def _transition_meta(obj, name: str):
    method = getattr(type(obj), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise TransitionBlocked([_("未知的操作：%(name)s") % {"name": name}])
    return meta


def blocking_reasons(obj, name: str) -> list[str]:
    """Why `name` cannot run on `obj` right now (empty when it can)."""
    meta = _transition_meta(obj, name)
    state = meta.field.get_state(obj)
    transition = meta.get_transition(state)
    if transition is None:
        label = obj._meta.get_field(meta.field.name).flatchoices
        state_label = dict(label).get(state, state)
        return [_("当前状态“%(state)s”下不能执行该操作") % {"state": state_label}]
    reasons: list[str] = []
    for condition in transition.conditions:
        if isinstance(condition, Guard):
            reasons.extend(condition.reasons(obj))
        elif not condition(obj):
            reasons.append(getattr(condition, "message", _("条件未满足")))
    return reasons


def may_run(obj, name: str, user) -> bool:
    meta = _transition_meta(obj, name)
    transition = meta.get_transition(meta.field.get_state(obj))
    return transition is not None and transition.has_perm(obj, user)


def available_transitions(obj, user) -> list[str]:
    """Transitions the user may run now, conditions met.

    Permission is asked first: it is cheap, while conditions may read related rows,
    so a list of objects only evaluates conditions where the user could act at all.
    """
    names = []
    for field in obj._meta.concrete_fields:
        transitions = getattr(field, "transitions", None)
        if not isinstance(transitions, dict):
            continue
        state = field.get_state(obj)
        for method in transitions.get(type(obj), {}).values():
            meta = method._django_fsm
            transition = meta.get_transition(state)
            if transition is None or not transition.has_perm(obj, user):
                continue
            if meta.conditions_met(obj, state):
                names.append(transition.name)
    return names


def run_transition(obj, name: str, *, actor, reason: str = "", **kwargs) -> None:
    """Check state, permission and conditions, then run the transition method.

    The caller saves the object inside its own transaction.
    """
    meta = _transition_meta(obj, name)
    state = meta.field.get_state(obj)
    transition = meta.get_transition(state)
    if transition is not None and not transition.has_perm(obj, actor):
        raise PermissionDenied(_("您没有执行该操作的权限"))
    reasons = blocking_reasons(obj, name)
    if reasons:
        raise TransitionBlocked(reasons)
    getattr(obj, name)(**kwargs)
    obj._history_user = actor
    obj._change_reason = reason or str(transition.custom.get("label") or name)
