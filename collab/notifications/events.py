"""Events: the one path every notice takes.

A register declares in its own `events.py` its event kinds (a TextChoices with readable
labels), for each kind an `EventType` (message template, the roles told, the roles whose
copy asks them to act, whether the group's robots see it), the `Role`s it knows how to
resolve, and the to-do sources of the workbench (`@todo_source`, see todos.py). It
passes the module to `register_events()` from its AppConfig.ready(); the platform never
looks register apps up.

`notify_event(kind, target=…, requirement=…, actor=…, **context)` resolves the kind's
roles to people, adds the requirement's watchers, leaves out the person who acted, and
raises one Alert through the machinery of the reminders (services.alerts_raise): the
inbox rows are written in the caller's transaction, e-mail goes to whoever chose it,
group robots get the events the group should see, the requirement's webhooks get every
event. Reminders (alerts.py scans) are declared the same way and travel the same path.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .messages import render, translatable


@dataclass(frozen=True)
class EventType:
    kind: str
    label: Any
    template: Any  # %(name)s placeholders; number, topic and actor are always there
    roles: tuple[str, ...]
    action_roles: tuple[str, ...] = ()  # their copy asks them to act (a to-do)
    group: bool = False  # the group's robots see it
    watchers: bool = True  # the requirement's watchers are told
    reminder: bool = False  # raised by a scan (alerts.py), not by a change
    app: str = ""


@dataclass(frozen=True)
class Role:
    key: str
    label: Any
    resolve: Callable[[EventContext], Iterable]
    order: int = 50
    app: str = ""


@dataclass
class EventContext:
    kind: str
    target: Any
    requirement: Any
    actor: Any
    extra: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.extra.get(key, default)


EVENT_TYPES: dict[str, EventType] = {}
ROLES: dict[str, Role] = {}
# Labels of kinds no longer sent, for the rows already in inboxes (`OLD_KIND_LABELS`).
OLD_KIND_LABELS: dict[str, Any] = {}
WATCHERS = "watchers"


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return list(value)
    return [value]


# Roles every register may use: they read what the service passes in the context.
PLATFORM_ROLES = [
    Role("signers", _("签字人"), lambda ctx: _as_list(ctx.get("signers")), order=40),
    Role("owner", _("负责人"), lambda ctx: _as_list(ctx.get("owner")), order=60),
    Role("person", _("当事人"), lambda ctx: _as_list(ctx.get("people")), order=90),
]


def register_events(module: ModuleType, *, app: str = "") -> None:
    """Registers a module's `EVENT_TYPES`, `ROLES`, `OLD_KIND_LABELS` and `@todo_source`
    functions; called
    from AppConfig.ready(). A kind, role or source declared twice, or a call after
    start-up, raises."""
    from . import todos

    if apps.ready:
        raise ImproperlyConfigured("events are registered in AppConfig.ready(), not later")
    events = list(getattr(module, "EVENT_TYPES", ()))
    roles = list(getattr(module, "ROLES", ()))
    kinds = [event.kind for event in events]
    keys = [role.key for role in roles]
    taken = [k for k in kinds if k in EVENT_TYPES or kinds.count(k) > 1]
    taken += [k for k in keys if k in ROLES or keys.count(k) > 1]
    if taken:
        raise ImproperlyConfigured(f"declared twice: {', '.join(sorted(set(taken)))}")
    sources = todos.declared_sources(module)
    app = app or module.__name__.split(".")[0]
    for role in roles:
        ROLES[role.key] = Role(role.key, role.label, role.resolve, role.order, app)
    for event in events:
        EVENT_TYPES[event.kind] = EventType(**{**event.__dict__, "app": app})
    todos.register_sources(sources)
    OLD_KIND_LABELS.update(getattr(module, "OLD_KIND_LABELS", {}))


def check_declarations() -> list[str]:
    """Roles named by an event but declared by nobody (a system check reports them)."""
    known = set(ROLES) | {WATCHERS}
    return [
        f"{event.kind}: {role}"
        for event in EVENT_TYPES.values()
        for role in (*event.roles, *event.action_roles)
        if role not in known
    ]


# Watchers
def watchers_of(requirement) -> list:
    """Active people watching the requirement who may still see it."""
    from .models import Watch
    from .selectors import scope_visible_to

    users = [
        w.user
        for w in Watch.objects.filter(scope_id=requirement.pk).select_related("user")
        if w.user.is_active
    ]
    return [u for u in users if scope_visible_to(u).filter(pk=requirement.pk).exists()]


def default_params(requirement, actor) -> dict:
    params: dict = {"actor": actor.label if actor is not None else translatable(_("系统"))}
    if requirement is not None:
        params.update(number=requirement.number, topic=requirement.topic)
    return params


def recipients_of(event: EventType, ctx: EventContext) -> tuple[list, set[int]]:
    """(people told, ids of those whose copy asks them to act), the actor left out."""
    told: dict[int, Any] = {}
    acting: set[int] = set()
    for key in event.roles:
        if key == WATCHERS:
            continue
        for user in ROLES[key].resolve(ctx) or ():
            if user is None or not user.is_active:
                continue
            told.setdefault(user.pk, user)
            if key in event.action_roles:
                acting.add(user.pk)
    if event.watchers and ctx.requirement is not None:
        for user in watchers_of(ctx.requirement):
            told.setdefault(user.pk, user)
    if ctx.actor is not None:
        told.pop(ctx.actor.pk, None)
        acting.discard(ctx.actor.pk)
    return list(told.values()), acting


def notify_event(
    kind: str,
    *,
    target,
    actor=None,
    requirement=None,
    url: str = "",
    params: dict | None = None,
    action: str = "",
    **context,
):
    """Tell everyone the kind's roles name that `kind` happened to `target`. `actor`
    None means a rule of the system acted. Returns the Alert (None when not raised)."""
    from .services import AlertSpec, alerts_raise

    event = EVENT_TYPES.get(kind)
    if event is None:
        raise ImproperlyConfigured(f"unknown event kind {kind!r}")
    ctx = EventContext(kind, target, requirement, actor, context)
    recipients, acting = recipients_of(event, ctx)
    values = {**default_params(requirement, actor), **(params or {})}
    with translation.override(settings.LANGUAGE_CODE):
        message = render(kind, values, fallback=str(event.label))
    spec = AlertSpec(
        kind=kind,
        target=target,
        due_on=timezone.localdate(),
        recipients=recipients,
        message=message,
        url=url,
        requirement_id=requirement.pk if requirement is not None else None,
        robots=event.group,
        params=values,
        occurrence=uuid.uuid4().hex,
        action=action if acting else "",
        action_for=sorted(acting),
        inbox_now=True,
    )
    raised = alerts_raise(specs=[spec])
    return raised[0] if raised else None


# The matrix of docs/notifications.md
def matrix_columns() -> list[tuple[str, str]]:
    roles = sorted(ROLES.values(), key=lambda r: (r.order, r.key))
    return [(r.key, str(r.label)) for r in roles] + [(WATCHERS, str(_("关注者")))]


def matrix_markdown() -> str:
    """Events × roles, in the active language: ✓ told, ● told and asked to act (the
    notice is linked to a to-do), R group robots. From the declarations themselves."""
    columns = matrix_columns()
    header = [str(_("事件")), str(_("类型")), *(label for _key, label in columns)]
    header.append(str(_("群机器人")))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    order = {kind: index for index, kind in enumerate(EVENT_TYPES)}
    events = sorted(
        EVENT_TYPES.values(),
        key=lambda e: (e.reminder, e.app == "notifications", order[e.kind]),
    )
    for event in events:
        label = f"{event.label}（{_('提醒')}）" if event.reminder else str(event.label)
        cells = [label, f"`{event.kind}`"]
        for key, _label in columns:
            if key == WATCHERS:
                cells.append("✓" if event.watchers else "")
            elif key in event.action_roles:
                cells.append("●")
            else:
                cells.append("✓" if key in event.roles else "")
        cells.append("R" if event.group else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
