"""Writing planned tasks in bulk (see bulk.TaskPlanner): new tasks, changed fields,
relations and one history entry per changed task, in a fixed number of statements
per batch, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.apps import apps
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from collab.accounts.models import User
from collab.core.bulk import InList, bulk_insert_rows, bulk_update_rows
from requests_app.models import Requirement

from .bulk import PLAN_FIELDS
from .models import Task, wbs_sort_key
from .services import TASK_RELATIONS

CHUNK = 900  # ids per IN (…) list: within SQLite's parameter limit
FIELD_NAMES = {f.name: f.attname for f in Task._meta.concrete_fields}
LOADERS = {f.attname: f.to_python for f in PLAN_FIELDS}


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _task(requirement: Requirement, plan: dict, actor: User, reason: str) -> Task:
    values = {name: LOADERS[name](value) for name, value in plan["fields"].items()}
    task = Task(requirement_id=requirement.pk, **values)
    task.code_sort = wbs_sort_key(task.code)
    if plan["id"] is not None:
        task.pk = plan["id"]
    task._history_user = actor
    task._change_reason = reason
    return task


def _links(field, task_ids: list[int]) -> list[tuple[int, int, int]]:
    """(through row id, task id, target id) of the tasks' links."""
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    found = []
    for chunk in _chunks(task_ids):
        found.extend(
            through.objects.filter(InList(F(f"{source}_id"), chunk)).values_list(
                "pk", f"{source}_id", f"{target}_id"
            )
        )
    return found


def _write_relation(name: str, tasks: list[tuple[Task, dict]], codes: dict[str, int]):
    """Set one relation of the planned tasks (links kept, removed, added as `.set()`
    does). Returns {task id: [(through row id, target id)]} after the write."""
    field = Task._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    current: dict[int, list[tuple[int, int]]] = {task.pk: [] for task, _plan in tasks}
    for row_id, task_id, target_id in _links(field, [t.pk for t, p in tasks if p["id"]]):
        current[task_id].append((row_id, target_id))
    removed, added = [], []
    for task, plan in tasks:
        if plan["id"] is not None and name not in plan["changed_relations"]:
            continue
        wanted = plan["relations"][name]
        if name == "depends_on":
            wanted = [codes[code] for code in wanted]
        kept = [(row_id, t) for row_id, t in current[task.pk] if t in wanted]
        removed.extend(row_id for row_id, t in current[task.pk] if t not in wanted)
        have = {t for _row_id, t in kept}
        current[task.pk] = kept
        for target_id in dict.fromkeys(wanted):
            if target_id not in have:
                added.append(through(**{f"{source}_id": task.pk, f"{target}_id": target_id}))
    for chunk in _chunks(removed):
        through.objects.filter(InList(F("pk"), chunk)).delete()
    for row in through.objects.bulk_create(added, batch_size=500):
        current[getattr(row, f"{source}_id")].append((row.pk, getattr(row, f"{target}_id")))
    return current


@transaction.atomic
def task_plans_write(
    *,
    requirement: Requirement,
    actor: User,
    plans: list[dict],
    reason: str,
    progress: Callable[[int], None] | None = None,
) -> list[Task]:
    """Write what TaskPlanner planned: insert the new tasks, update the changed fields
    of the others (one statement per batch), set their relations, and record one
    history entry per task with its final state and relations, as the services would
    leave it. The plans were checked against data that has not changed since (the
    caller makes sure); nothing is checked again."""
    Requirement.objects.select_for_update().filter(pk=requirement.pk).first()
    now = timezone.now()
    planned = [(_task(requirement, plan, actor, reason), plan) for plan in plans]
    created = [task for task, plan in planned if plan["id"] is None]
    updated = [task for task, plan in planned if plan["id"] is not None]
    Task.objects.bulk_create(created, batch_size=500)
    step = progress or (lambda count: None)
    step(len(created))
    changed = {"updated_at"}
    for task, plan in planned:
        if plan["id"] is not None:
            task.updated_at = now
            changed.update(FIELD_NAMES[name] for name in plan["changed"])
    bulk_update_rows(Task, updated, sorted(changed))
    step(len(updated))
    codes = dict(Task.objects.filter(requirement=requirement).values_list("code", "pk"))
    relations = {name: _write_relation(name, planned, codes) for name in TASK_RELATIONS}
    history = (
        Task.history.bulk_history_create(
            created,
            batch_size=500,
            default_user=actor,
            default_change_reason=reason,
            default_date=now,
        )
        or []
    )
    history += (
        Task.history.bulk_history_create(
            updated,
            batch_size=500,
            update=True,
            default_user=actor,
            default_change_reason=reason,
            default_date=now,
        )
        or []
    )
    by_task = {record.id: record for record in history}
    for name in TASK_RELATIONS:
        try:
            model = apps.get_model("tasks_app", f"HistoricalTask_{name}")
        except LookupError:
            continue  # relation without history (depends_on)
        field = Task._meta.get_field(name)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        bulk_insert_rows(
            model,
            [
                model(
                    id=row_id,
                    history=by_task[task_id],
                    **{f"{source}_id": task_id, f"{target}_id": target_id},
                )
                for task_id, rows in relations[name].items()
                for row_id, target_id in rows
            ],
        )
    return created + updated
