"""Where a requirement stands in the six-step loop (六步闭环), and what happens next.

Both are read from the requirement's declared lifecycle (lifecycle.py and the
conditions later registers add to it): the transition that moves the requirement on
from its status, and the conditions still blocking it. Each condition belongs to a step
and spells out what is missing and who holds it (`Pending`). The current step is the
first step of the status (in the order of `STATUS_STEPS`) with something pending; when
nothing is, the transition itself is the next action, held by its holders.

Work that is not a condition of the requirement's own transitions (open issues during
execution, the retrospective after completion) is reported by the register that owns it
through `register_watch(Watch(...))`, called from its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext as _

from collab.core.lifecycle import Pending, Transition

from .lifecycle import LIFECYCLE, RequirementStatus, Step, detail_url

S = RequirementStatus
STEPS = list(Step)
# The steps whose work happens in each status, in the order that decides the current
# one: while in progress, an open issue comes before the remaining tasks, and both before
# acceptance.
STATUS_STEPS = {
    S.PENDING_REVIEW: (Step.REVIEW,),
    S.REJECTED: (Step.REVIEW,),
    S.CONFIRMED: (Step.DIVISION, Step.PLANS),
    S.IN_PROGRESS: (Step.RISKS, Step.EXECUTION, Step.DELIVERY),
    S.COMPLETED: (Step.DELIVERY,),
}
STATUS_RANK = {S.PENDING_REVIEW: 0, S.REJECTED: 0, S.CONFIRMED: 1, S.IN_PROGRESS: 2, S.COMPLETED: 3}
# The status from which a step's work may begin; pages of a step not begun are muted.
STEP_OPENS = {
    Step.REVIEW: S.PENDING_REVIEW,
    Step.DIVISION: S.CONFIRMED,
    Step.PLANS: S.CONFIRMED,
    Step.EXECUTION: S.IN_PROGRESS,
    Step.RISKS: S.IN_PROGRESS,
    Step.DELIVERY: S.IN_PROGRESS,
}


class StageError(Exception):
    """A watch was registered twice or after start-up."""


@dataclass(frozen=True)
class Watch:
    """Work of a higher register shown as pending at `step` while the requirement is in
    one of `statuses`; `pending(requirement)` lists it (one requirement, may query)."""

    name: str
    step: str
    statuses: tuple[str, ...]
    pending: Callable[..., list[Pending]]


WATCHES: list[Watch] = []


def register_watch(watch: Watch) -> None:
    """Add a watch; call it from `AppConfig.ready()` (a duplicate name is a wiring error)."""
    if apps.ready:
        raise StageError(f"watch {watch.name!r}: watches are registered in AppConfig.ready()")
    if any(existing.name == watch.name for existing in WATCHES):
        raise StageError(f"watch {watch.name!r} is registered twice")
    WATCHES.append(watch)


@dataclass
class NextAction:
    """One line of "what happens next": what must happen, who holds it, where."""

    text: str
    step: str
    users: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    url: str = ""
    action: str | None = None  # the requirement's transition that does it

    @property
    def who_display(self) -> str:
        if self.users:
            return "、".join(user.label for user in self.users)
        return "、".join(department.name for department in self.departments)

    def held_by(self, user) -> bool:
        return any(holder.pk == user.pk for holder in self.users)


@dataclass
class Stage:
    code: str
    index: int
    done: bool  # the whole loop is through: completed and nothing left
    next_actions: list[NextAction]
    pending_steps: set[str]
    status: str

    @property
    def label(self) -> str:
        return str(Step(self.code).label)

    def steps(self) -> list[dict]:
        """The six steps for the step bar: done, current, pending (an earlier step of the
        same status with work still open) or upcoming."""
        rank, own = STATUS_RANK[self.status], STATUS_STEPS[self.status]
        rows = []
        for index, step in enumerate(STEPS):
            if self.done or (STATUS_RANK[STEP_OPENS[step]] < rank and step not in own):
                state = "done"
            elif step == self.code:
                state = "current"
            elif index < self.index:
                state = "pending" if step in self.pending_steps else "done"
            else:
                state = "upcoming"
            rows.append({"code": step.value, "label": step.label, "index": index, "state": state})
        return rows


def forward_transition(status: str) -> Transition | None:
    """The transition that moves a requirement on from `status` (the first declared)."""
    return next((t for t in LIFECYCLE.transitions.values() if status in t.source), None)


def _holders(transition: Transition, requirement) -> list:
    return list(transition.holders(requirement)) if transition.holders else []


def pending_by_step(requirement) -> dict[str, list[Pending]]:
    """What still blocks the requirement's next transition, and what the watches of its
    status report, by step."""
    pending: dict[str, list[Pending]] = defaultdict(list)
    status = requirement.status
    transition = forward_transition(status)
    if transition is not None:
        fallback_step = STATUS_STEPS[status][-1]
        for condition in transition.conditions:
            reason = condition.check(requirement)
            if not reason:
                continue
            items = condition.pending(requirement) if condition.pending else []
            if not items:  # a condition without a `pending` spelling: its sentence
                items = [Pending(str(reason), users=_holders(transition, requirement))]
            pending[condition.step or fallback_step].extend(items)
    for watch in WATCHES:
        if status in watch.statuses:
            pending[watch.step].extend(watch.pending(requirement))
    return {step: items for step, items in pending.items() if items}


def requirement_stage(requirement) -> Stage:
    """The current step of the requirement and its next actions."""
    status = requirement.status
    own = STATUS_STEPS[status]
    pending = pending_by_step(requirement)
    current = next((step for step in own if step in pending), None)
    if current is not None:
        actions = [_next_action(item, current) for item in pending[current]]
    else:
        current = max(own, key=STEPS.index)
        actions = _transition_action(requirement, current)
    return Stage(
        code=current.value,
        index=STEPS.index(current),
        done=status == S.COMPLETED and not actions,
        next_actions=actions,
        pending_steps=set(pending),
        status=status,
    )


def _next_action(item: Pending, step) -> NextAction:
    return NextAction(
        text=item.text,
        step=step.value,
        users=list({u.pk: u for u in item.users if u is not None}.values()),
        departments=list(item.departments),
        url=item.url,
        action=item.action,
    )


def _transition_action(requirement, step) -> list[NextAction]:
    transition = forward_transition(requirement.status)
    if transition is None:
        return []
    item = Pending(
        str(transition.prompt or transition.label),
        users=_holders(transition, requirement),
        url=detail_url(requirement, "transitions"),
        action=transition.name,
    )
    return [_next_action(item, step)]


def tab_muted_reason(requirement, step: str) -> str:
    """Why a page of `step` does not apply to the requirement yet ("" when it does)."""
    if not step:
        return ""
    opens = STEP_OPENS[Step(step)]
    if STATUS_RANK[requirement.status] >= STATUS_RANK[opens]:
        return ""
    if opens == S.CONFIRMED:
        return _("需求确认后适用（「%(step)s」步骤）") % {"step": Step(step).label}
    return _("需求开始执行后适用（「%(step)s」步骤）") % {"step": Step(step).label}


def stage_for(requirement, user) -> dict:
    """The stage as a page shows it to `user`: each next action marked when the user
    holds it, with the requirement's transition button when the user may run it."""
    from collab.core.pages import transition_buttons

    from .selectors import with_lifecycle_data_loaded

    requirement = with_lifecycle_data_loaded(requirement)
    stage = requirement_stage(requirement)
    actions = []
    for action in stage.next_actions:
        buttons = (
            transition_buttons(requirement, user, names=[action.action]) if action.action else []
        )
        actions.append(
            {"item": action, "mine": action.held_by(user) or bool(buttons), "buttons": buttons}
        )
    return {"stage": stage, "steps": stage.steps(), "actions": actions}
