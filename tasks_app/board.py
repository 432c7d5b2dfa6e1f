"""Reads behind the pages of one requirement's tasks that must stay usable at thousands
of tasks: the kanban (each column's first cards, the rest on scroll, counts per column),
the weekly meeting agenda (only late, blocked, due and finished this week) and the Gantt
rows in windows. Each reads what is shown, never every task of the requirement."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet, Window, prefetch_related_objects
from django.db.models.functions import RowNumber

from collab.accounts.models import User
from requests_app.models import Requirement

from . import rules as perms
from .models import OPEN_STATUSES, Task, TaskStatus
from .selectors import latest_note_subquery, with_delay

KANBAN_PAGE = 50  # cards per column on the first load and per "load more"
KANBAN_COLUMNS = [
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.BLOCKED,
    TaskStatus.DONE,
    TaskStatus.CANCELLED,
]
GANTT_WINDOW = 500  # Gantt rows per request of the data endpoint


def _cards(requirement: Requirement, on: datetime.date | None = None) -> QuerySet[Task]:
    return with_delay(
        Task.objects.filter(requirement=requirement).select_related("owner_department", "owner"),
        on,
    )


def _with_permissions(tasks: list[Task], requirement: Requirement, user: User) -> list[Task]:
    if "members" not in getattr(requirement, "_prefetched_objects_cache", {}):
        prefetch_related_objects([requirement], "members")  # the group, read once
    for task in tasks:
        task.requirement = requirement  # one requirement (and its group) for every card
        task.can_update = perms.can_update_task(user, task)
    return tasks


def kanban_columns(requirement: Requirement, user: User) -> list[dict]:
    """The columns with their task count and first KANBAN_PAGE cards in WBS order: two
    queries (counts, then every column's first cards with a window function)."""
    counts = dict(
        Task.objects.filter(requirement=requirement)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    ranked = (
        _cards(requirement)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("status"), order_by=[F("code_sort"), F("id")])
        )
        .filter(rank__lte=KANBAN_PAGE)
        .order_by("status", "code_sort", "id")
    )
    cards = _with_permissions(list(ranked), requirement, user)
    columns = []
    for status in KANBAN_COLUMNS:
        shown = [t for t in cards if t.status == status]
        count = counts.get(status.value, 0)
        columns.append(
            {
                "status": status.value,
                "label": status.label,
                "count": count,
                "tasks": shown,
                "next_offset": len(shown) if count > len(shown) else None,
            }
        )
    return columns


def kanban_more(requirement: Requirement, user: User, status: str, offset: int) -> dict:
    """The next KANBAN_PAGE cards of one column after `offset`, and where the next load
    starts (None at the end)."""
    rows = list(
        _cards(requirement)
        .filter(status=status)
        .order_by("code_sort", "id")[offset : offset + KANBAN_PAGE + 1]
    )
    more = len(rows) > KANBAN_PAGE
    tasks = _with_permissions(rows[:KANBAN_PAGE], requirement, user)
    return {
        "status": status,
        "tasks": tasks,
        "next_offset": offset + KANBAN_PAGE if more else None,
    }


def weekly_tasks(requirement: Requirement, week_start: datetime.date, on: datetime.date):
    """Only the tasks the weekly meeting discusses: late, blocked, due this week or
    finished this week, selected in the database."""
    week_end = week_start + datetime.timedelta(days=6)
    wanted = (
        Q(status__in=OPEN_STATUSES, planned_end__lt=on)
        | Q(status=TaskStatus.BLOCKED)
        | Q(status__in=OPEN_STATUSES, planned_end__range=(week_start, week_end))
        | Q(status=TaskStatus.DONE, actual_end__range=(week_start, week_end))
    )
    return (
        _cards(requirement, on)
        .filter(wanted)
        .annotate(latest_note=latest_note_subquery())
        .order_by("code_sort", "id")
    )


def gantt_window(offset: int, limit: int | None) -> tuple[int, int | None]:
    """A sane window of Gantt rows from query values (offset ≥ 0, 1 ≤ limit ≤ window)."""
    offset = max(offset, 0)
    if limit is not None:
        limit = min(max(limit, 1), GANTT_WINDOW)
    return offset, limit
