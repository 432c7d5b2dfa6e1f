"""Baselines (基线) and the critical path (关键路径) of a requirement's plan.

A baseline keeps every task's planned dates at one moment: the requirement's start
saves one automatically (a follow-up of its `start` transition, in the same
transaction), the leader saves more by name. The Gantt shows one baseline under the
current bars with the slip of each end date.

The critical path is the longest chain of finish-to-start dependencies, a chain's length
being the sum of its tasks' durations, counted in working days when the working-day
setting (COLLAB_ALERT_DAY_COUNTING=working) is on. Every task on a longest chain is
critical (several chains may tie).
"""

from __future__ import annotations

import datetime
import graphlib
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import User
from collab.notifications.workdays import CALENDAR, DayCounter
from requests_app.models import Requirement

from . import rules as perms
from .models import Baseline, BaselineTask, Task, TaskStatus

OPEN_REQUIREMENT = ("confirmed", "in_progress")
NAME_MAX = Baseline._meta.get_field("name").max_length


# Critical path --------------------------------------------------------------------------
def task_duration(start: datetime.date, end: datetime.date, counter: DayCounter) -> int:
    """Days from start to end, both included, in the counter's mode."""
    if counter.mode == CALENDAR:
        return (end - start).days + 1
    return counter.between(start - datetime.timedelta(days=1), end)


def longest_chains(durations: dict[int, int], depends_on: dict[int, set[int]]) -> set[int]:
    """The nodes lying on a longest chain (sum of durations) of the dependency graph.

    `depends_on` maps a node to the nodes it waits for; edges to unknown nodes are
    ignored. A cyclic graph (which the services never let happen) has no critical path.
    """
    nodes = set(durations)
    before = {node: {p for p in depends_on.get(node, ()) if p in nodes} for node in nodes}
    after: dict[int, set[int]] = defaultdict(set)
    for node, predecessors in before.items():
        for predecessor in predecessors:
            after[predecessor].add(node)
    try:
        order = list(graphlib.TopologicalSorter(before).static_order())
    except graphlib.CycleError:
        return set()
    head: dict[int, int] = {}  # longest chain ending with the node, node included
    for node in order:
        head[node] = durations[node] + max((head[p] for p in before[node]), default=0)
    tail: dict[int, int] = {}  # longest chain starting with the node, node included
    for node in reversed(order):
        tail[node] = durations[node] + max((tail[s] for s in after[node]), default=0)
    longest = max(head.values(), default=0)
    return {node for node in nodes if head[node] + tail[node] - durations[node] == longest}


def critical_tasks(requirement_ids: Iterable[int], counter: DayCounter | None = None) -> set[int]:
    """Ids of the critical tasks of these requirements (cancelled tasks left out), in
    two queries whatever the number of tasks and requirements."""
    requirement_ids = set(requirement_ids)
    if not requirement_ids:
        return set()
    counter = counter or DayCounter()
    rows = (
        Task.objects.filter(requirement_id__in=requirement_ids)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("id", "requirement_id", "planned_start", "planned_end")
    )
    durations: dict[int, dict[int, int]] = defaultdict(dict)
    for task_id, requirement_id, start, end in rows:
        durations[requirement_id][task_id] = task_duration(start, end, counter)
    depends_on: dict[int, set[int]] = defaultdict(set)
    edges = Task.depends_on.through.objects.filter(
        from_task__requirement_id__in=requirement_ids
    ).values_list("from_task_id", "to_task_id")
    for source, target in edges:
        depends_on[source].add(target)
    critical: set[int] = set()
    for tasks in durations.values():
        critical |= longest_chains(tasks, depends_on)
    return critical


# Baselines ------------------------------------------------------------------------------
def baselines_of(requirement: Requirement) -> list[Baseline]:
    return list(
        Baseline.objects.filter(requirement=requirement)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def baseline_save(
    *, requirement: Requirement, actor: User, name: str, automatic: bool = False
) -> Baseline:
    """Save the planned dates of every task (cancelled ones left out) under `name`.
    The leader or the coordinator saves one while the requirement is confirmed or in
    progress; `automatic` is the requirement start's own baseline."""
    if not automatic and not perms.manages_all(actor, requirement):
        raise PermissionDenied(_("只有组长或协调人可以保存基线"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写基线名称")]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [_("基线名称不能超过%(max)s个字") % {"max": NAME_MAX}]})
    if not automatic and requirement.status not in OPEN_REQUIREMENT:
        raise ValidationError(_("需求已结束或尚未确认，不能保存基线"))
    if Baseline.objects.filter(requirement=requirement, name=name).exists():
        raise ValidationError({"name": [_("本需求已有同名基线")]})
    tasks = list(
        Task.objects.filter(requirement=requirement)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("id", "planned_start", "planned_end")
    )
    if not tasks and not automatic:
        raise ValidationError(_("尚未分解任务，没有可保存的计划"))
    baseline = Baseline.objects.create(
        requirement=requirement, name=name, automatic=automatic, created_by=actor
    )
    BaselineTask.objects.bulk_create(
        BaselineTask(baseline=baseline, task_id=task_id, planned_start=start, planned_end=end)
        for task_id, start, end in tasks
    )
    return baseline


def baseline_on_start(requirement: Requirement, *, actor: User) -> Baseline:
    """The requirement's start saves the plan as agreed (follow-up of `start`)."""
    name = _("开始执行基线 %(date)s") % {"date": f"{timezone.localdate():%Y-%m-%d}"}
    taken = set(
        Baseline.objects.filter(requirement=requirement, name__startswith=name).values_list(
            "name", flat=True
        )
    )
    unique, number = name, 1
    while unique in taken:
        number += 1
        unique = f"{name} ({number})"
    return baseline_save(requirement=requirement, actor=actor, name=unique, automatic=True)


# Marks on the Gantt and the task API ----------------------------------------------------
def gantt_marks(data: dict, requirement: Requirement, baseline_id: int | str | None) -> dict:
    """Add to the Gantt data (selectors.gantt_rows) the baselines one may choose, the
    chosen one (the latest unless `baseline_id` names another), and per task
    `critical`, `baseline_start`, `baseline_end` and `slip_days` (end date against the
    baseline, counted days; positive is later)."""
    counter = DayCounter()
    baselines = baselines_of(requirement)
    chosen = None
    if baseline_id not in (None, ""):
        chosen = next((b for b in baselines if str(b.pk) == str(baseline_id)), None)
    if chosen is None and baselines:
        chosen = baselines[0]
    entries = {}
    if chosen is not None:
        entries = {
            task_id: (start, end)
            for task_id, start, end in BaselineTask.objects.filter(baseline=chosen).values_list(
                "task_id", "planned_start", "planned_end"
            )
        }
    critical = critical_tasks([requirement.pk], counter)
    for row in data["tasks"]:
        if not str(row["id"]).isdigit():  # a WBS group's summary bar: no marks of its own
            row.update(critical=False, baseline_start=None, baseline_end=None, slip_days=None)
            continue
        task_id = int(row["id"])
        row["critical"] = task_id in critical
        if row["critical"]:
            row["custom_class"] = f"{row.get('custom_class', '')} bar-critical".strip()
        start, end = entries.get(task_id, (None, None))
        row["baseline_start"] = start.isoformat() if start else None
        row["baseline_end"] = end.isoformat() if end else None
        row["slip_days"] = (
            counter.between(end, datetime.date.fromisoformat(row["end"])) if end else None
        )
    data["baselines"] = [
        {
            "id": b.pk,
            "name": b.name,
            "automatic": b.automatic,
            "created_at": b.created_at.isoformat(),
            "created_by": b.created_by.label,
        }
        for b in baselines
    ]
    data["baseline"] = chosen.pk if chosen is not None else None
    return data


def task_plan_marks(tasks: Iterable[Task]) -> dict[int, dict]:
    """Per task id: `critical` and the dates in its requirement's latest baseline, for a
    page of tasks in four queries."""
    tasks = list(tasks)
    requirement_ids = {t.requirement_id for t in tasks}
    critical = critical_tasks(requirement_ids)
    latest: dict[int, int] = {}
    for baseline_id, requirement_id in (
        Baseline.objects.filter(requirement_id__in=requirement_ids)
        .order_by("-created_at", "-id")
        .values_list("id", "requirement_id")
    ):
        latest.setdefault(requirement_id, baseline_id)
    entries = {
        task_id: (start, end)
        for task_id, start, end in BaselineTask.objects.filter(
            baseline_id__in=latest.values(), task_id__in=[t.pk for t in tasks]
        ).values_list("task_id", "planned_start", "planned_end")
    }
    marks = {}
    for task in tasks:
        start, end = entries.get(task.pk, (None, None))
        marks[task.pk] = {
            "critical": task.pk in critical,
            "baseline_start": start,
            "baseline_end": end,
        }
    return marks
