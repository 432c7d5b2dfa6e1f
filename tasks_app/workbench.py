"""Reads behind the workbench (工作台) and the weekly meeting view (协作例会)."""

from __future__ import annotations

import datetime
from itertools import chain

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.signoffs.models import SignOff
from requests_app.models import REVIEW_STAGE, Requirement, RequirementStatus
from requests_app.selectors import requirements_visible_to, review_slots

from .models import OPEN_STATUSES, PLAN_STAGE, Plan, PlanStatus, Task, TaskStatus
from .selectors import (
    plan_slots,
    plans_visible_to,
    requirement_tasks,
    requirements_led_by,
    task_list,
    today,
    with_plan_related,
)

DUE_SOON_DAYS = 7


def _my_approvals(model, ids, stage, user) -> dict[tuple[int, int | None, int], bool]:
    """(object id, slot key, round) -> True for every approval the user gave."""
    rows = SignOff.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=ids,
        stage=stage,
        signer=user,
    ).order_by("signed_at", "id")
    latest = {}
    for row in rows:
        latest[(row.object_id, row.department_id, row.round)] = row.decision == "approve"
    return latest


def signoffs_waiting(user: User) -> list[dict]:
    """Requirement reviews and plans where the user holds a slot and has not approved
    in the current round."""
    waiting = []
    requirements = list(
        requirements_visible_to(user)
        .filter(status=RequirementStatus.PENDING_REVIEW)
        .filter(
            Q(coordinator=user)
            | Q(initiating_department__head=user)
            | Q(departments__head=user, departments__kind=Department.Kind.INTERNAL)
        )
        .distinct()
        .select_related("coordinator", "initiating_department__head")
        .prefetch_related(
            Prefetch("departments", queryset=Department.objects.select_related("head"))
        )
    )
    approvals = _my_approvals(Requirement, [r.pk for r in requirements], REVIEW_STAGE, user)
    for requirement in requirements:
        for slot in review_slots(requirement):
            if user in slot.signers and not approvals.get(
                (requirement.pk, slot.key, requirement.review_round)
            ):
                waiting.append(
                    {
                        "kind": _("需求评审"),
                        "title": f"{requirement.number} {requirement.topic}",
                        "slot": slot.label,
                        "url": f"/requirements/{requirement.pk}/#signoffs",
                    }
                )
    plans = list(with_plan_related(plans_visible_to(user).filter(status=PlanStatus.IN_REVIEW)))
    approvals = _my_approvals(Plan, [p.pk for p in plans], PLAN_STAGE, user)
    for plan in plans:
        for slot in plan_slots(plan):
            if user in slot.signers and not approvals.get((plan.pk, slot.key, plan.version)):
                waiting.append(
                    {
                        "kind": _("方案审批"),
                        "title": f"{plan.requirement.number} {plan.title} v{plan.version}",
                        "slot": slot.label,
                        "url": f"/tasks/plans/{plan.pk}/",
                    }
                )
    return waiting


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
        "signoffs": signoffs_waiting(user),
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
    for task in requirement_tasks(requirement, on):
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
