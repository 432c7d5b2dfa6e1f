"""Reads behind the workbench (工作台) and the weekly meeting view (协作例会). The
workbench's to-do list comes from every register's to-do sources (their events.py)."""

from __future__ import annotations

import datetime
from itertools import chain

from django.db.models import Count, Q

from collab.accounts.models import User
from collab.notifications.todos import todos_for
from requests_app.models import Requirement
from requests_app.selectors import requirements_visible_to

from .board import weekly_tasks
from .models import OPEN_STATUSES, Task, TaskStatus
from .selectors import requirements_led_by, task_list, today

DUE_SOON_DAYS = 7


def recent_changes(user: User, limit: int = 12) -> list:
    visible = requirements_visible_to(user).values("pk")
    tasks = (
        Task.history.filter(requirement_id__in=visible)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    requirements = (
        Requirement.history.filter(id__in=visible)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    rows = []
    for record in chain(tasks, requirements):
        is_task = record.instance_type is Task
        rows.append(
            {
                "when": record.history_date,
                "who": record.history_user.label if record.history_user else "—",
                "what": f"{record.code} {record.name}"
                if is_task
                else f"{record.number} {record.topic}",
                "reason": record.history_change_reason or record.get_history_type_display(),
                "url": f"/tasks/{record.id}/" if is_task else f"/requirements/{record.id}/",
            }
        )
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows[:limit]


def workbench_data(user: User) -> dict:
    on = today()
    todos = todos_for(user, on)
    mine = task_list(user, on).filter(owner=user, status__in=OPEN_STATUSES)
    led = requirements_led_by(user).annotate(
        task_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.CANCELLED)),
        done_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        overdue_count=Count(
            "tasks", filter=Q(tasks__status__in=OPEN_STATUSES, tasks__planned_end__lt=on)
        ),
    )
    return {
        "today": on,
        "due_soon": list(
            mine.filter(
                planned_end__gte=on, planned_end__lte=on + datetime.timedelta(days=DUE_SOON_DAYS)
            ).order_by("planned_end", "code_sort")[:20]
        ),
        "overdue": list(mine.filter(is_overdue=True).order_by("-delay_days", "code_sort")[:20]),
        # Everything pending of the person, from every register (collab.notifications
        # .todos): the same sources decide whether an inbox notice is still open.
        "todos": todos,
        "signoffs": [t for t in todos if t.kind.endswith("signoff")],
        "led": list(led.order_by("-created_at")[:20]),
        "recent": recent_changes(user),
    }


def weekly_view_data(requirement: Requirement, day: datetime.date) -> dict:
    """The weekly meeting (协作例会) agenda: late, blocked, due this week and finished
    this week, grouped by owner department."""
    week_start = day - datetime.timedelta(days=day.weekday())
    week_end = week_start + datetime.timedelta(days=6)
    on = today()
    groups: dict[int, dict] = {}
    totals = {"late": 0, "blocked": 0, "due": 0, "done": 0}
    for task in weekly_tasks(requirement, week_start, on):
        sections = []
        if task.is_overdue:
            sections.append("late")
        if task.status == TaskStatus.BLOCKED:
            sections.append("blocked")
        if task.status in OPEN_STATUSES and week_start <= task.planned_end <= week_end:
            sections.append("due")
        if (
            task.status == TaskStatus.DONE
            and task.actual_end
            and (week_start <= task.actual_end <= week_end)
        ):
            sections.append("done")
        if not sections:
            continue
        group = groups.setdefault(
            task.owner_department_id,
            {
                "department": task.owner_department,
                "late": [],
                "blocked": [],
                "due": [],
                "done": [],
            },
        )
        for section in sections:
            group[section].append(task)
            totals[section] += 1
    ordered = sorted(groups.values(), key=lambda g: g["department"].code)
    return {
        "week_start": week_start,
        "week_end": week_end,
        "previous_week": week_start - datetime.timedelta(days=7),
        "next_week": week_start + datetime.timedelta(days=7),
        "groups": ordered,
        "totals": totals,
        "today": on,
    }
