"""Declared lifecycles: one module per register says how its records move.

A register's `lifecycle.py` builds one `Lifecycle` with every transition: its source
states, target, who may run it (a permission predicate and the sentence naming the
role) and its conditions, each condition with the sentence a user sees when it blocks.
The model applies a declared transition to the method that sets the state:

    class Requirement(models.Model):
        @LIFECYCLE.transition("confirm")
        def confirm(self): ...

An app further down the dependency chain adds a condition to another register's
transition in its `AppConfig.ready()` with `add_condition(...)`, which refuses an
unknown transition, a duplicate condition name, and any call after start-up. Pages, the
API, kanban moves and Excel status driving read the same declaration (`path(...)`),
and `manage.py lifecycle` prints all of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.apps import apps
from django_fsm import transition as fsm_transition

Check = Callable[[Any], "str | None"]


class LifecycleError(Exception):
    """A lifecycle was wired wrongly (an unknown name, a duplicate, a late call)."""


@dataclass
class Pending:
    """One thing that must happen before a transition can run, and who holds it:
    "等待 设计部负责人 签字" held by that head, "还缺 运营部 接口人" held by the
    coordinator. `action` names the transition of the record that does it, when one
    does; `url` is the page where it is done."""

    text: str
    users: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    url: str = ""
    action: str | None = None


@dataclass(frozen=True)
class Condition:
    """Something that must hold before a transition runs.

    `check(obj)` returns the sentence the user sees when the condition blocks (it may
    name the missing parts), or None when it holds. `summary` states the rule for the
    lifecycle table. A check that reads related rows names them in `prefetch` and reads
    them through `.all()`, so a list that evaluates every row stays at constant queries.

    `step` names the part of a longer process the condition belongs to (a register that
    shows its records' progress in steps reads it), and `pending(obj)`, when given,
    spells out a blocking condition as `Pending` items: what must happen and who holds
    it. It runs for one record at a time and may query.

    `annotations`, when given, answers `{name: expression}` a list annotates instead of
    prefetching (aggregate subqueries such as `Exists(...)`), so a list row costs the
    same whatever the number of related rows; `check` reads the annotated value when the
    record carries it and the prefetched rows otherwise (the detail, with full reasons).
    """

    name: str
    summary: Any
    check: Check
    prefetch: tuple[str, ...] = ()
    app: str = ""
    step: str = ""
    pending: Callable[[Any], list[Pending]] | None = None
    annotations: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Followup:
    """A step another app adds to a transition; the transition's service runs it, in
    its transaction, after the new state is saved (`Lifecycle.run_followups`)."""

    name: str
    summary: Any
    run: Callable[..., Any]
    app: str = ""


@dataclass
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    label: Any
    who: Any
    permission: Callable[[Any, Any], bool] | None = None
    conditions: list[Condition] = field(default_factory=list)
    needs_reason: bool = False
    in_admin: bool = True
    followups: list[Followup] = field(default_factory=list)
    # When the transition is the next thing to do: the sentence saying so (default: the
    # label) and the people who hold it for one record (its coordinator, its leader).
    prompt: Any = None
    holders: Callable[[Any], list] | None = None

    def reasons(self, obj) -> list[str]:
        return [str(reason) for condition in self.conditions if (reason := condition.check(obj))]


class Guard:
    """The single condition django-fsm sees for a declared transition."""

    def __init__(self, transition: Transition):
        self.transition = transition

    def reasons(self, obj) -> list[str]:
        return self.transition.reasons(obj)

    def __call__(self, obj) -> bool:
        return not self.reasons(obj)


class Lifecycle:
    """States and transitions of one register model."""

    registry: dict[str, Lifecycle] = {}

    def __init__(
        self,
        model: str,
        *,
        states,
        transitions: Sequence[Transition],
        field_name: str = "status",
        title: Any = "",
    ):
        self.model = model
        self.states = states
        self.field_name = field_name
        self.title = title
        self.transitions: dict[str, Transition] = {}
        for declared in transitions:
            if declared.name in self.transitions:
                raise LifecycleError(f"{model}: transition {declared.name} declared twice")
            self.transitions[declared.name] = declared
        Lifecycle.registry[model] = self

    def __getitem__(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise LifecycleError(f"{self.model} has no transition {name!r}") from None

    def transition(self, name: str):
        """Decorator: make a model method the declared transition `name`."""
        declared = self[name]
        return fsm_transition(
            field=self.field_name,
            source=list(declared.source),
            target=declared.target,
            conditions=[Guard(declared)],
            permission=declared.permission,
            custom={
                "label": declared.label,
                "needs_reason": declared.needs_reason,
                "admin": declared.in_admin,
            },
        )

    def add_condition(self, name: str, condition: Condition, *, app: str) -> None:
        """Add a condition from another app; call it from that app's `AppConfig.ready()`."""
        if apps.ready:
            raise LifecycleError(
                f"{self.model}.{name}: conditions are added in AppConfig.ready(), not later"
            )
        declared = self[name]
        if any(existing.name == condition.name for existing in declared.conditions):
            raise LifecycleError(f"{self.model}.{name} already has condition {condition.name!r}")
        declared.conditions.append(replace(condition, app=app))

    def add_followup(self, name: str, followup: Followup, *, app: str) -> None:
        """Add a step to run after `name`; call it from the app's `AppConfig.ready()`."""
        if apps.ready:
            raise LifecycleError(
                f"{self.model}.{name}: follow-up steps are added in AppConfig.ready(), not later"
            )
        declared = self[name]
        if any(existing.name == followup.name for existing in declared.followups):
            raise LifecycleError(f"{self.model}.{name} already has follow-up {followup.name!r}")
        declared.followups.append(Followup(followup.name, followup.summary, followup.run, app))

    def run_followups(self, name: str, obj, *, actor) -> None:
        for followup in self[name].followups:
            followup.run(obj, actor=actor)

    def prefetches(self, names: Iterable[str] | None = None, *, listing: bool = False) -> list[str]:
        """Related lookups the conditions of these transitions read (all when None); for
        a list (`listing`), those of conditions that offer no annotations."""
        lookups: list[str] = []
        for condition in self._conditions(names):
            if listing and condition.annotations is not None:
                continue
            lookups.extend(p for p in condition.prefetch if p not in lookups)
        return lookups

    def list_annotations(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """What a list annotates so the conditions read no related rows (see Condition)."""
        annotations: dict[str, Any] = {}
        for condition in self._conditions(names):
            if condition.annotations is not None:
                annotations.update(condition.annotations())
        return annotations

    def _conditions(self, names: Iterable[str] | None) -> list[Condition]:
        return [
            condition
            for declared in self.transitions.values()
            if names is None or declared.name in names
            for condition in declared.conditions
        ]

    def path(self, source: str, target: str) -> list[str] | None:
        """Shortest chain of transition names from `source` to `target` (None: no way).

        Kanban moves and Excel status driving follow this instead of a retyped graph.
        """
        if source == target:
            return []
        queue: deque[tuple[str, list[str]]] = deque([(source, [])])
        seen = {source}
        while queue:
            state, names = queue.popleft()
            for declared in self.transitions.values():
                if state not in declared.source or declared.target in seen:
                    continue
                chain = [*names, declared.name]
                if declared.target == target:
                    return chain
                seen.add(declared.target)
                queue.append((declared.target, chain))
        return None

    def state_label(self, value: str) -> str:
        return str(dict(self.states.choices).get(value, value))


def all_lifecycles() -> list[Lifecycle]:
    """Every declared lifecycle, in the order the register apps are installed."""
    order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    declared = list(Lifecycle.registry.values())
    return sorted(
        declared, key=lambda c: (order.get(c.model.split(".")[0], len(order)), declared.index(c))
    )
