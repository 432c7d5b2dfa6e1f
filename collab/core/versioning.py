"""Edit forms that know the version they were loaded from.

An edit form of a stored record carries a hidden `version`: one short digest per value
the form shows, taken when the page was loaded. Saving locks the record's row,
recomputes the digests from what is stored now and compares. If someone else saved any
of those values in between, nothing is written: the form comes back with an
`EditConflict` that names each changed field with the value now stored and the value
typed. The typed values stay in the form and its version moves to the stored one, so
saving again is a deliberate overwrite; the reload link shows the stored record.

- `versioned(form, obj)`: give an edit form of `obj` its hidden version.
- `save_edit(request, form, call, success)`: compare and run the service, under one lock.
- `version_of(values)`, `mark_versions(objects, form_class)`: the version of one record
  (for forms a page writes by hand, one per row).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .pages import submit_form

VERSION = "version"


@dataclass
class EditConflict:
    """What a refused save shows: each field changed since loading, with the value now
    stored and the value typed; where to reload; and the typed values with the stored
    version, for a page that offers to save them again from outside the form."""

    subject: str
    rows: list[dict]
    reload_url: str
    action: str
    resubmit: list[tuple[str, str]] = field(default_factory=list)


def version_of(values: Mapping[str, Any]) -> str:
    """The version of a record as a form shows it: one digest per value, by field name."""
    return ".".join(_digest(values[name]) for name in sorted(values))


def changed_since(version: str, values: Mapping[str, Any]) -> list[str]:
    """The fields whose value differs from the one `version` was taken of (every field
    when the version is missing or unreadable)."""
    names = sorted(values)
    digests = (version or "").split(".")
    if len(digests) != len(names):
        return names
    return [n for n, d in zip(names, digests, strict=True) if d != _digest(values[n])]


def mark_versions(objects: Iterable, form_class) -> None:
    """Set `edit_version` on each object, for row forms a template writes by hand."""
    for obj in objects:
        obj.edit_version = version_of(form_class.initial_for(obj))


def versioned(form, obj, values: Callable[[Any], dict] | None = None):
    """Make `form` the edit form of `obj`: it shows the stored values and carries their
    version in a hidden field.

    `values(obj)` answers those values by field name: by default the form class's
    `initial_for(obj)`, or for a ModelForm the model fields it edits."""
    if values is None:
        values = getattr(type(form), "initial_for", None) or _model_values(form)
    stored = values(obj)
    form.initial = {**form.initial, **stored}
    form.edited, form.edited_values, form.conflict = obj, values, None
    form.fields[VERSION] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=version_of(stored)
    )
    return form


def save_edit(request, form, call: Callable[[dict], Any], success, *, reload_url: str = ""):
    """Run `call(data)` with a valid versioned form's data unless the record changed
    since the form was loaded. Answers the service's result, or None when nothing was
    written: on a conflict `form.conflict` says why, on a refusal the form's errors."""
    loaded = form.cleaned_data.pop(VERSION, "")
    obj = form.edited
    with transaction.atomic():
        # The row stays locked from the comparison to the write: of two editors holding
        # one version, the second waits here and then compares with the first's values.
        current = get_object_or_404(type(obj)._base_manager.select_for_update(), pk=obj.pk)
        stored = form.edited_values(current)
        changed = changed_since(loaded, stored)
        if changed:
            _refuse(request, form, stored, changed, reload_url or request.get_full_path())
            return None
        return submit_form(request, form, call, success)


def _refuse(request, form, stored: dict, changed: list[str], reload_url: str) -> None:
    rows = [
        {
            "name": name,
            "label": field_.label or name,
            "stored": shown(field_, stored[name]),
            "typed": shown(field_, form.cleaned_data.get(name)),
        }
        for name, field_ in form.fields.items()
        if name in changed
    ]
    data = form.data.copy()
    data[VERSION] = version_of(stored)
    form.data = data
    resubmit = [
        (name, value)
        for name, values in data.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    form.conflict = EditConflict(str(form.edited), rows, reload_url, request.path, resubmit)


def shown(field_, value) -> str:
    """A value as a person reads it in the form's field (labels, not ids)."""
    if value is None or value == "" or value == [] or value == ():
        return _("（空）")
    if isinstance(field_, forms.ModelChoiceField):
        items = value if isinstance(value, list | tuple | set | models.QuerySet) else [value]
        ids = [getattr(item, "pk", item) for item in items]
        found = field_.queryset.model._default_manager.in_bulk(ids)
        labels = [field_.label_from_instance(found[i]) if i in found else str(i) for i in ids]
        return "、".join(sorted(labels))
    if isinstance(field_, forms.ChoiceField):
        key = {True: "1", False: "0"}[value] if isinstance(value, bool) else value
        return str({str(k): label for k, label in field_.choices}.get(str(key), value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _model_values(form) -> Callable[[Any], dict]:
    names = [name for name in form.fields if name != VERSION]
    return lambda obj: model_to_dict(obj, fields=names)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(_plain(value)).encode()).hexdigest()[:8]


def _plain(value):
    """A value in a form that survives a round trip through the database unchanged."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return sorted(str(_plain(item)) for item in value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(datetime.UTC).isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
