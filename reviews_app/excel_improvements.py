"""Improvement actions (改进措施) of an imported template 4: each line's owner and due
date resolved the way a project office would read the line, and written through the
retrospective services."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import CellError, Directory, parse_date
from requests_app.models import GroupRole
from requests_app.selectors import group_leader

from . import wording as w
from .retrospective import services as retrospective_services

DEFAULT_DUE = datetime.timedelta(days=30)  # an improvement written without its date


def improvement_rows(parsed, context, retrospective, header) -> list[dict]:
    """The improvement actions of the file, each with its owner and due date: as
    written, else as the same action has them in Collab, else the person or
    department the action names (技术部*), the group leader, and 30 days after the
    retrospective meeting (said in a warning)."""
    values = parsed.values
    known = {}
    if retrospective is not None:
        known = {i.action: i for i in retrospective.improvements.select_related("owner")}
    directory: Directory = context["directory"]
    start = (retrospective.held_on if retrospective else None) or values.get("accepted_on")
    found = []
    for item in w.items(values.get("improvements")):
        line = w.parse_improvement(item)
        try:
            owner = directory.owner(line.owner) if line.owner else None
            due = parse_date(line.due) if line.due else None
        except CellError as error:
            parsed.errors.append(r.RowError(header, str(error)))
            continue
        if retrospective is None:
            continue  # written once the acceptance has passed (apply() says so)
        same = known.get(line.action)
        data = {"action": line.action, "due_date": due}
        if owner is not None:
            data["owner_department"] = owner.department
            data["owner"] = owner.user or _person(owner.department, context)
        elif same is not None:
            data.update(owner_department=same.owner_department, owner=same.owner)
        else:
            data.update(_named_owner(line.action, directory, context))
            parsed.warnings.append(
                r.RowError(
                    header,
                    _("“%(action)s”未写负责人，暂由%(owner)s负责，可在复盘中修改")
                    % {"action": line.action, "owner": data["owner"].label},
                )
            )
        if due is None and same is not None:
            data["due_date"] = same.due_date
        elif due is None and start is not None:
            data["due_date"] = start + DEFAULT_DUE
            parsed.warnings.append(
                r.RowError(
                    header,
                    _("“%(action)s”未写完成期限，暂定为 %(date)s（复盘会后30天），可在复盘中修改")
                    % {"action": line.action, "date": data["due_date"].isoformat()},
                )
            )
        found.append(data)
    return found


def _person(department, context):
    """The department's liaison in the group, else its head."""
    requirement = context["requirement"]
    liaison = requirement.members.filter(role=GroupRole.LIAISON, department=department).first()
    return liaison.user if liaison else department.head


def _named_owner(action: str, directory: Directory, context) -> dict:
    """The person (技术部*) or department (技术部) the action's text names, else the
    group leader."""
    names = sorted(
        (name for name, users in directory.users.items() if len(users) == 1 and len(name) > 1),
        key=len,
        reverse=True,
    )
    for name in names:
        user = directory.users[name][0]
        if name in action and user.department_id and not user.is_partner:
            return {"owner_department": user.department, "owner": user}
    for name, department in directory.departments.items():
        if len(name) > 1 and name in action and department.head:
            return {"owner_department": department, "owner": _person(department, context)}
    leader = group_leader(context["requirement"])
    user = leader.user if leader else context["actor"]
    return {"owner_department": user.department, "owner": user}


def write_improvements(retrospective, wanted: list[dict], actor) -> None:
    """The same action is updated where its owner or date changed; renamed ones take
    the place of the ones gone; the rest are added or deleted."""
    fields = ("action", "owner_department", "owner", "due_date")
    current = {i.action: i for i in retrospective.improvements.all()}
    pairs, renamed = [], []
    for data in wanted:
        item = current.pop(data["action"], None)
        (pairs.append((item, data)) if item is not None else renamed.append(data))
    left = list(current.values())
    pairs += list(zip(left, renamed, strict=False))
    for item, data in pairs:
        if any(getattr(item, key) != data[key] for key in fields):
            retrospective_services.improvement_update(improvement=item, actor=actor, data=data)
    for item in left[len(renamed) :]:
        retrospective_services.improvement_delete(improvement=item, actor=actor)
    for data in renamed[len(left) :]:
        retrospective_services.improvement_add(retrospective=retrospective, actor=actor, data=data)
