"""Many new tasks at once (Excel import): the same rules as task_create, written in bulk
with their history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collab.accounts.models import User
from requests_app.models import Requirement

from . import rules as perms
from .models import (
    Task,
    wbs_sort_key,
)
from .services import TASK_RELATIONS, _validate_task, involved_departments


@transaction.atomic
def task_bulk_create(
    *,
    requirement: Requirement,
    actor: User,
    items: list[dict],
    reason: str = "",
    validate: bool = True,
    save: bool = True,
) -> list[Task | ValidationError]:
    """Many rows of the task register at once (a spreadsheet import). Each item holds
    task_create's arguments; `depends_on_codes` may name tasks of the same call. Every
    item is checked by task_create's rules; the valid ones are inserted in bulk with
    their history (simple-history's bulk helpers, m2m history included). Returns per
    item the saved Task or the ValidationError that refused it. `validate=False` is for
    items already checked against data that has not changed since; `save=False` only
    checks (nothing is written)."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    allowed: dict[int | None, bool] = {}
    existing = {t.code: t for t in Task.objects.filter(requirement=requirement)}
    top = max(
        (int(code.split(".")[0]) for code in existing if code.split(".")[0].isdigit()), default=0
    )
    tasks: list[Task] = []
    for item in items:
        code = (item.get("code") or "").strip()
        if not code:
            top += 1
            code = str(top)
        tasks.append(
            Task(
                requirement=requirement,
                code=code,
                code_sort=wbs_sort_key(code),
                name=item.get("name") or "",
                owner_department=item.get("owner_department"),
                owner=item.get("owner"),
                planned_start=item.get("planned_start"),
                planned_end=item.get("planned_end"),
                deliverable=item.get("deliverable") or "",
                priority=item.get("priority") or "P1",
                progress=item.get("progress") or 0,
            )
        )
    by_code: dict[str, Task] = {**existing, **{t.code: t for t in tasks}}
    known = {"involved": involved_departments(requirement), "codes": set(existing)}
    results: list[Task | ValidationError] = []
    relations: list[dict] = []
    for task, item in zip(tasks, items, strict=True):
        department = task.owner_department_id
        if department not in allowed:
            allowed[department] = perms.can_create_in(actor, requirement, department)
        if not allowed[department]:
            results.append(ValidationError(_("您不能为该部门分解任务")))
            continue
        codes = item.get("depends_on_codes") or []
        missing = [c for c in codes if c not in by_code]
        if missing:
            results.append(
                ValidationError(
                    {"depends_on": _("前置任务不存在：%(codes)s") % {"codes": "、".join(missing)}}
                )
            )
            continue
        related = {
            "collaborating_departments": list(item.get("collaborating_departments") or []),
            "collaborators": list(item.get("collaborators") or []),
            "depends_on": [by_code[c] for c in codes] + list(item.get("depends_on") or []),
        }
        if validate:
            try:
                _validate_task(task, **related, known=known)
            except ValidationError as error:
                results.append(error)
                continue
        results.append(task)
        relations.append(related)
    valid = [t for t in results if isinstance(t, Task)]
    if not valid or not save:
        return results
    Task.objects.bulk_create(valid, batch_size=500)
    histories = Task.history.bulk_history_create(
        valid, batch_size=500, default_user=actor, default_change_reason=reason or _("分解任务")
    )
    for field_name in TASK_RELATIONS:
        field = Task._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = [
            (task, other)
            for task, related in zip(valid, relations, strict=True)
            for other in related[field_name]
        ]
        rows = through.objects.bulk_create(
            [through(**{f"{source}_id": t.pk, f"{target}_id": o.pk}) for t, o in links],
            batch_size=1000,
        )
        history_model = _m2m_history_model(field_name)
        if history_model is not None:
            by_task = {task.pk: history for task, history in zip(valid, histories, strict=True)}
            history_model.objects.bulk_create(
                [
                    history_model(
                        id=row.pk,
                        history=by_task[getattr(row, f"{source}_id")],
                        **{
                            f"{source}_id": getattr(row, f"{source}_id"),
                            f"{target}_id": getattr(row, f"{target}_id"),
                        },
                    )
                    for row in rows
                ],
                batch_size=1000,
            )
    return results


def _m2m_history_model(field_name: str):
    from django.apps import apps

    try:
        return apps.get_model("tasks_app", f"HistoricalTask_{field_name}")
    except LookupError:
        return None
