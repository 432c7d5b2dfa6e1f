"""Change history that people can read, written one entry per action.

- `one_entry(instance, actor=..., reason=...)`: the saves of a record and of its tracked
  many-to-many relations inside the block become ONE history entry. Creating a task
  with collaborators is one action; without this, simple-history writes a row for the
  save and one more for each relation set afterwards.
- `merged_entries(model, pk)`: for one action made of several use cases on the same
  record (a reallocation reassigns, reschedules and adds people to a task), the entries
  they write are merged into one, the last, which holds the final state.
- `history_entries(instance)`: every entry of a record, newest first: who did it (系统
  when a rule did, with the rule as the reason), why, and each change with its field
  label and display values (names, labels) beside the stored values (ids, codes).
  Related names are loaded in one query per related model, relation rows in one query
  per many-to-many field, so a long history costs what a short one does.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .lifecycle import Lifecycle

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def system_label() -> str:
    """Who an action taken by a rule (no person) is credited to."""
    return _("系统")


def _history_model(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


@contextmanager
def one_entry(instance, *, actor, reason: str) -> Iterator:
    """Saves of `instance` and of its tracked relations inside the block write no history;
    one entry with the final state is written when the block ends without an error.
    `actor` None credits the entry to the system (a rule), `reason` says why."""
    creating = instance.pk is None
    instance.skip_history_when_saving = True
    try:
        yield instance
    finally:
        instance.__dict__.pop("skip_history_when_saving", None)
    write_entry(instance, "+" if creating else "~", actor=actor, reason=reason)


def write_entry(instance, history_type: str, *, actor, reason: str):
    """One history row with the record's current fields and relation rows."""
    model = _history_model(type(instance))
    record = model(
        history_date=timezone.now(),
        history_type=history_type,
        history_user=actor,
        history_change_reason=reason,
        **{field.attname: getattr(instance, field.attname) for field in model.tracked_fields},
    )
    record.save()
    for field in model._history_m2m_fields:
        rows_model = getattr(model, field.name).model
        through = field.remote_field.through
        attnames = [f.attname for f in through._meta.fields]
        rows = through.objects.filter(**{field.m2m_field_name(): instance})
        rows_model.objects.bulk_create(
            rows_model(history=record, **{name: getattr(row, name) for name in attnames})
            for row in rows
        )
    return record


@contextmanager
def merged_entries(model, pk) -> Iterator[None]:
    """History rows written for record `pk` inside the block become one entry: the last
    row (the final state, with its reason and user) is kept, typed as the first."""
    history = _history_model(model)
    before = history.objects.filter(id=pk).aggregate(last=Max("history_id"))["last"] or 0
    yield
    rows = list(history.objects.filter(id=pk, history_id__gt=before).order_by("history_id"))
    if len(rows) < 2:
        return
    kept, merged = rows[-1], [row.history_id for row in rows[:-1]]
    if kept.history_type != rows[0].history_type:
        kept.history_type = rows[0].history_type
        kept.save(update_fields=["history_type"])
    for field in history._history_m2m_fields:
        getattr(history, field.name).model.objects.filter(history_id__in=merged).delete()
    history.objects.filter(history_id__in=merged).delete()


# Reading --------------------------------------------------------------------------
def _relation_rows(model, records) -> dict[str, dict[int, list]]:
    """{m2m field name: {history_id: sorted related ids}}, one query per field."""
    ids = [record.history_id for record in records]
    rows: dict[str, dict[int, list]] = {}
    for field in model._history_m2m_fields:
        rows_model = getattr(model, field.name).model
        target = field.remote_field.through._meta.get_field(field.m2m_reverse_field_name())
        by_record: dict[int, list] = defaultdict(list)
        for history_id, related in rows_model.objects.filter(history_id__in=ids).values_list(
            "history_id", target.attname
        ):
            by_record[history_id].append(related)
        rows[field.name] = {key: sorted(value) for key, value in by_record.items()}
    return rows


def _field_changes(fields, relation_rows, record, previous) -> list[dict]:
    changes = []
    for field in fields:
        if field.many_to_many:
            old = relation_rows[field.name].get(previous.history_id, [])
            new = relation_rows[field.name].get(record.history_id, [])
        else:
            old, new = getattr(previous, field.attname), getattr(record, field.attname)
        if old != new:
            changes.append({"field": field.name, "model_field": field, "old": old, "new": new})
    return changes


def _display_names(changes) -> dict:
    """{(related model, pk): name} for every related id in the changes, one query per
    related model."""
    wanted: dict = defaultdict(set)
    for change in changes:
        field = change["model_field"]
        if field.is_relation and field.related_model is not None:
            for value in (change["old"], change["new"]):
                ids = value if isinstance(value, list) else [value]
                wanted[field.related_model].update(pk for pk in ids if pk is not None)
    names = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(ids).items():
            names[(model, pk)] = str(obj)
    return names


def display_value(field, value, names: dict) -> str:
    """What a person reads for a stored value: names for ids, labels for codes."""
    if value is None or value == "" or value == []:
        return ""
    if field.is_relation and field.related_model is not None:
        ids = value if isinstance(value, list) else [value]
        deleted = _("（已删除）")
        return "、".join(names.get((field.related_model, pk), deleted) for pk in ids)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _plain(value):
    """A stored value as JSON carries it (ids and codes stay as they are)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, decimal.Decimal | datetime.date | datetime.datetime):
        return value.isoformat() if not isinstance(value, decimal.Decimal) else str(value)
    return str(value)


def readable_reason(model, reason: str | None) -> str:
    """A reason as stored; a bare transition name (older rows) reads as its label."""
    lifecycle = Lifecycle.registry.get(model._meta.label)
    if reason and lifecycle is not None and reason in lifecycle.transitions:
        return str(lifecycle.transitions[reason].label)
    return reason or ""


def history_entries(instance) -> list[dict]:
    """Every history entry of `instance`, newest first, with readable changes."""
    model = _history_model(type(instance))
    records = list(instance.history.select_related("history_user").order_by("-history_id"))
    fields = [f for f in model.tracked_fields if f.editable] + list(model._history_m2m_fields)
    relation_rows = _relation_rows(model, records)
    raw = [
        _field_changes(fields, relation_rows, record, records[index + 1])
        if index + 1 < len(records)
        else []
        for index, record in enumerate(records)
    ]
    names = _display_names(change for changes in raw for change in changes)
    return [
        _entry(type(instance), record, changes, names)
        for record, changes in zip(records, raw, strict=True)
    ]


def _entry(model, record, changes, names) -> dict:
    user = record.history_user
    return {
        "history_id": record.history_id,
        "history_date": record.history_date,
        "history_type": HISTORY_TYPES[record.history_type],
        "history_user": user.label if user else None,
        "history_user_id": user.pk if user else None,
        "actor_display": user.label if user else system_label(),
        "reason": readable_reason(model, record.history_change_reason),
        "changes": [
            {
                "field": change["field"],
                "label": str(change["model_field"].verbose_name),
                "old": _plain(change["old"]),
                "new": _plain(change["new"]),
                "old_display": display_value(change["model_field"], change["old"], names),
                "new_display": display_value(change["model_field"], change["new"], names),
            }
            for change in changes
        ],
    }
