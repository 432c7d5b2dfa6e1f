"""How meetings reach the register they belong to, without importing it.

Platform apps sit below the registers, so the register side plugs in here from its
AppConfig.ready():
- `scope`: visibility and roles of the requirement a meeting belongs to;
- `ACTION_ITEM_CONVERTERS`: turn an action item into another record (a task) in one click;
- `AGENDA_PROVIDERS`: lines that pre-fill a new meeting's agenda (the weekly meeting is
  prepared from the tracker: late, blocked and due tasks, open high-impact risks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RequirementScope:
    visible: Callable[[Any], Any]  # user -> queryset of requirements the user may see
    detail: Callable[[Any], Any]  # user -> the same, with the group prefetched for pages
    can_view: Callable[[Any, Any], bool]  # (user, requirement)
    is_coordinator: Callable[[Any, Any], bool]  # (user, requirement)
    is_leader: Callable[[Any, Any], bool]  # (user, requirement)
    is_member: Callable[[Any, Any], bool]  # (user, requirement): any group role
    members: Callable[[Any], list]  # requirement -> users of the group (minutes recipients)


_scope: RequirementScope | None = None


def set_scope(scope: RequirementScope) -> None:
    global _scope
    _scope = scope


def scope() -> RequirementScope:
    if _scope is None:  # pragma: no cover - wiring error at start-up
        raise RuntimeError("meetings: no requirement scope registered")
    return _scope


@dataclass(frozen=True)
class Converter:
    key: str
    label: str
    # convert(item=ActionItem, actor=User) -> the created object (must be a model instance)
    convert: Callable[..., Any]


ACTION_ITEM_CONVERTERS: dict[str, Converter] = {}


def register_converter(converter: Converter) -> None:
    ACTION_ITEM_CONVERTERS[converter.key] = converter


# kind -> providers(requirement, week_of: date) -> list of agenda lines
AGENDA_PROVIDERS: dict[str, list[Callable[[Any, date], list[str]]]] = {}


def register_agenda_provider(kind: str, provider: Callable[[Any, date], list[str]]) -> None:
    providers = AGENDA_PROVIDERS.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)
