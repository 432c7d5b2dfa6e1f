"""What registers above meetings add to it, from their own AppConfig.ready():

- action-item converters: turn an action item into another record (a task) in one click;
- agenda providers: lines that pre-fill a new meeting's agenda (the weekly meeting is
  prepared from the tracker: late, blocked and due tasks, open high-impact risks).

Meetings cannot import those registers (they sit above it), so they register here. Both
registrations raise on a duplicate key; nothing is added at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured

AgendaProvider = Callable[[Any, date], list[str]]  # (requirement, week_of) -> agenda lines


@dataclass(frozen=True)
class Converter:
    key: str
    label: str
    # convert(item=ActionItem, actor=User) -> the created object (must be a model instance)
    convert: Callable[..., Any]


_converters: dict[str, Converter] = {}
_agenda_providers: dict[str, dict[str, AgendaProvider]] = {}


def register_action_item_converter(key: str, label, convert: Callable[..., Any]) -> Converter:
    """Offer "convert this action item into <label>" on every meeting."""
    if key in _converters:
        raise ImproperlyConfigured(f"meetings: action-item converter {key!r} registered twice")
    converter = Converter(key=key, label=label, convert=convert)
    _converters[key] = converter
    return converter


def register_agenda_provider(kind: str, key: str, provider: AgendaProvider) -> None:
    """Add agenda lines to new meetings of `kind`; `key` names the contribution."""
    providers = _agenda_providers.setdefault(kind, {})
    if key in providers:
        raise ImproperlyConfigured(
            f"meetings: agenda provider {key!r} for {kind!r} registered twice"
        )
    providers[key] = provider


def action_item_converters() -> list[Converter]:
    return list(_converters.values())


def action_item_converter(key: str) -> Converter | None:
    return _converters.get(key)


def agenda_providers(kind: str) -> list[AgendaProvider]:
    return list(_agenda_providers.get(kind, {}).values())
