"""The to-do list of a person (工作台 待办): every pending thing that is theirs to do.

Each register declares in its `events.py` the sources of its own to-dos with
`@todo_source(key, label, order)`: a function (user, today) -> Todos that reads with a
fixed number of queries, whatever the number of rows. `todos_for(user)` joins them,
overdue first, then by due date.

A notice that asks someone to act carries the same `action` key as the to-do it asks
for. A notice counts as done as soon as its to-do is no longer open, whoever closed it
and however (signed, finished, resolved, a new signing round, …): the inbox and the
workbench read the same sources, so they cannot disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@dataclass
class Todo:
    action: str  # the key notices link to, e.g. "task:12", "sign:review:3:1"
    kind: str  # the source's key
    kind_label: Any
    title: str
    url: str
    due: datetime.date | None = None
    detail: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class TodoSource:
    key: str
    label: Any
    func: Callable[[Any, datetime.date], Iterable[Todo]]
    order: int = 50


TODO_SOURCES: dict[str, TodoSource] = {}


def todo_source(key: str, label, order: int = 50):
    """Declares a to-do source in an app's events.py: (user, today) -> Todos."""

    def decorator(func):
        func.todo_source = TodoSource(key, label, func, order)
        return func

    return decorator


def declared_sources(module: ModuleType) -> list[TodoSource]:
    sources = [
        func.todo_source
        for func in vars(module).values()
        if callable(func)
        and getattr(func, "__module__", None) == module.__name__
        and hasattr(func, "todo_source")
    ]
    keys = [s.key for s in sources]
    taken = [k for k in keys if k in TODO_SOURCES or keys.count(k) > 1]
    if taken:
        raise ImproperlyConfigured(f"to-do sources declared twice: {', '.join(taken)}")
    return sources


def register_sources(sources: Iterable[TodoSource]) -> None:
    for source in sources:
        TODO_SOURCES[source.key] = source


def sources() -> list[TodoSource]:
    return sorted(TODO_SOURCES.values(), key=lambda s: (s.order, s.key))


def todos_for(user, today: datetime.date | None = None) -> list[Todo]:
    """Every open to-do of `user`: overdue first (most overdue first), then by due date,
    undated last."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    today = today or timezone.localdate()
    found: list[Todo] = []
    for source in sources():
        for todo in source.func(user, today):
            todo.overdue = todo.due is not None and todo.due < today
            found.append(todo)
    far = datetime.date.max
    found.sort(key=lambda t: (not t.overdue, t.due or far, str(t.kind_label), t.title))
    return found


def open_actions(user, today: datetime.date | None = None) -> set[str]:
    return {todo.action for todo in todos_for(user, today)}


def closed_for(user_id: int, action: str) -> bool:
    """Whether the to-do `action` is no longer open for the user (or the user is gone)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first()
    return user is None or action not in open_actions(user)


def mark_done(notifications: Iterable, user, today: datetime.date | None = None) -> set[str]:
    """Set `is_done` on each notice that asks for an action which is no longer open;
    returns the open action keys."""
    actions = open_actions(user, today)
    for notification in notifications:
        notification.is_done = bool(notification.action) and notification.action not in actions
    return actions
