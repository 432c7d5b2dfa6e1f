"""Readable kind labels and message templates, rendered in the reader's language.

An alert keeps the values of its kind's template (`params`) beside the sentence it was
sent with, so the inbox shows it in the language of whoever reads it, and e-mail and
robot messages are rendered in the language of the person or group they go to. A value
that itself needs translating (a record type, a role) is stored as its source text with
`translatable()` and translated when the message is rendered.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Shown for a kind nobody declared (old rows of a removed kind): never the raw code.
UNKNOWN_KIND = _("通知")


def source_text(text: Any) -> str:
    """The source (Chinese) text of a lazy translation: the msgid it is looked up by."""
    with translation.override(None):
        return str(text)


def translatable(text: Any, **params: Any) -> dict:
    """A template value translated when the message is rendered."""
    value: dict = {"msgid": source_text(text)}
    if params:
        value["params"] = params
    return value


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        text = gettext(value["msgid"])
        params = value.get("params")
        return text % {k: _value(v) for k, v in params.items()} if params else text
    return value


def render(kind: str, params: dict, fallback: str = "") -> str:
    """The kind's template filled with `params`, in the active language."""
    from .events import EVENT_TYPES

    event = EVENT_TYPES.get(kind)
    if event is None or not params:
        return fallback
    try:
        return str(event.template) % {key: _value(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return fallback


def kind_label(kind: str) -> str:
    """The readable label of an event or reminder kind, in the active language."""
    from .events import EVENT_TYPES, OLD_KIND_LABELS
    from .models import AlertKind

    event = EVENT_TYPES.get(kind)
    if event is not None:
        return str(event.label)
    if kind in OLD_KIND_LABELS:
        return str(OLD_KIND_LABELS[kind])
    if kind in AlertKind.values:
        return str(AlertKind(kind).label)
    return str(UNKNOWN_KIND)


def language_of(user) -> str:
    """The language a person chose, else the site's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def render_in(language: str, kind: str, params: dict, fallback: str = "") -> tuple[str, str]:
    """(label, message) of a kind in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return kind_label(kind), render(kind, params, fallback)
