"""Reads shared by pages, API, admin and other apps (alerts, reviews, Excel)."""

from __future__ import annotations

import datetime

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields import BooleanField, DateField
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.signoffs.models import SignOff
from collab.signoffs.services import Slot, head_slots
from requests_app.models import GroupMember, GroupRole, Requirement
from requests_app.selectors import requirements_visible_to

from .models import OPEN_STATUSES, Plan, PlanStatus, ProgressUpdate, Task, TaskStatus


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start), as an integer, in the database."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL and others: date - date
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(%(expressions)s AS date))",
            arg_joiner=" AS date) - CAST(",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def today() -> datetime.date:
    return timezone.localdate()


def with_delay(qs: QuerySet[Task], on: datetime.date | None = None) -> QuerySet[Task]:
    """Annotate delay_days and is_overdue, computed in the database so lists filter and
    sort by them.

    delay_days: finished tasks: actual finish - planned end; open tasks: today - planned
    end; never negative; cancelled tasks are never late. is_overdue: open and past its
    planned end.
    """
    on = on or today()
    today_value = Value(on, output_field=DateField())
    return qs.annotate(
        delay_days=Case(
            When(
                status=TaskStatus.DONE,
                actual_end__gt=F("planned_end"),
                then=DaysBetween(F("actual_end"), F("planned_end")),
            ),
            When(
                status__in=OPEN_STATUSES,
                planned_end__lt=on,
                then=DaysBetween(today_value, F("planned_end")),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
        is_overdue=Case(
            When(status__in=OPEN_STATUSES, planned_end__lt=on, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks of requirements the user may see, plus tasks they own. Others answer 404."""
    if not (user and user.is_authenticated and user.is_active):
        return Task.objects.none()
    visible = requirements_visible_to(user)
    if user.is_staff or (user.is_coordinator and not user.is_partner):
        return Task.objects.all()
    return Task.objects.filter(Q(requirement__in=visible.values("pk")) | Q(owner=user))


def _member_prefetch():
    return Prefetch("requirement__members", queryset=GroupMember.objects.all())


def latest_note_subquery():
    return Subquery(
        ProgressUpdate.objects.filter(task=OuterRef("pk"), kind=ProgressUpdate.Kind.PROGRESS)
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )


def task_list(user: User, on: datetime.date | None = None) -> QuerySet[Task]:
    """Visible tasks with everything a register row, an API row or a card shows."""
    return with_delay(
        tasks_visible_to(user)
        .select_related("requirement", "owner_department", "owner", "owner__department")
        .prefetch_related(
            Prefetch("collaborating_departments", queryset=Department.objects.order_by("code")),
            Prefetch("collaborators", queryset=User.objects.select_related("department")),
            Prefetch("depends_on", queryset=Task.objects.only("id", "code", "status")),
            _member_prefetch(),
        )
        .annotate(latest_note=latest_note_subquery()),
        on,
    )


def requirement_tasks(requirement: Requirement, on: datetime.date | None = None):
    """Every task of one requirement (no visibility filter: the caller checked the
    requirement), in WBS order."""
    return with_delay(
        Task.objects.filter(requirement=requirement)
        .select_related("owner_department", "owner", "requirement")
        .prefetch_related(
            Prefetch("collaborating_departments", queryset=Department.objects.order_by("code")),
            "collaborators",
            Prefetch("depends_on", queryset=Task.objects.only("id", "code", "status")),
            _member_prefetch(),
        )
        .annotate(latest_note=latest_note_subquery())
        .order_by("code_sort", "id"),
        on,
    )


def progress_updates(task: Task) -> QuerySet[ProgressUpdate]:
    return task.updates.select_related("author").order_by("-created_at", "-id")


def dependency_edges(requirement_id: int, task_ids: list[int] | None = None) -> dict[int, set[int]]:
    """task id -> ids of the tasks it depends on, for one requirement (or only for the
    tasks `task_ids`)."""
    edges: dict[int, set[int]] = {}
    through = Task.depends_on.through.objects
    if task_ids is None:
        through = through.filter(from_task__requirement_id=requirement_id)
    else:
        through = through.filter(from_task_id__in=task_ids)
    rows = through.values_list("from_task_id", "to_task_id")
    for source, target in rows:
        edges.setdefault(source, set()).add(target)
    return edges


def would_cycle(edges: dict[int, set[int]], task_id: int, new_deps: set[int]) -> bool:
    """True when task_id would (transitively) depend on itself once it depends on
    new_deps. The search stops as soon as it reaches task_id, so its old edges never
    matter and the graph is not copied."""
    stack, seen = list(new_deps), set()
    while stack:
        node = stack.pop()
        if node == task_id:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


# Plans
def plans_visible_to(user: User) -> QuerySet[Plan]:
    if not (user and user.is_authenticated and user.is_active):
        return Plan.objects.none()
    if user.is_staff or (user.is_coordinator and not user.is_partner):
        return Plan.objects.all()
    return Plan.objects.filter(
        Q(requirement__in=requirements_visible_to(user).values("pk")) | Q(author=user)
    )


def plan_list(user: User) -> QuerySet[Plan]:
    return with_plan_related(plans_visible_to(user))


def plan_departments(plan: Plan) -> list[Department]:
    """Departments whose head signs the plan: the task's owner and collaborating
    departments, or for a requirement-wide plan the initiating and involved ones.
    Outside partners comment but do not sign."""
    if plan.task_id:
        task = plan.task
        candidates = [task.owner_department, *task.collaborating_departments.all()]
    else:
        requirement = plan.requirement
        candidates = [requirement.initiating_department, *requirement.departments.all()]
    seen, result = set(), []
    for department in candidates:
        if department.pk in seen or department.kind != Department.Kind.INTERNAL:
            continue
        seen.add(department.pk)
        result.append(department)
    return result


def group_leader_user(requirement: Requirement) -> User | None:
    cache = getattr(requirement, "_prefetched_objects_cache", {})
    if "members" in cache:
        leader = next((m for m in cache["members"] if m.role == GroupRole.LEADER), None)
        return leader.user if leader else None
    leader = requirement.members.filter(role=GroupRole.LEADER).select_related("user").first()
    return leader.user if leader else None


def plan_slots(plan: Plan) -> list[Slot]:
    """Who approves a plan: the group leader (slot without department) and the head of
    every involved internal department."""
    leader = group_leader_user(plan.requirement)
    slots = [Slot(department=None, signers=[leader] if leader else [], label=_("协作小组组长"))]
    return slots + head_slots(plan_departments(plan))


def requirement_plans(requirement: Requirement) -> QuerySet[Plan]:
    return with_plan_related(Plan.objects.filter(requirement=requirement))


def with_plan_related(qs: QuerySet[Plan]) -> QuerySet[Plan]:
    """What a plan row needs to show its sign-off slots without a query per row."""
    return qs.select_related(
        "requirement",
        "requirement__coordinator",
        "requirement__initiating_department__head",
        "task",
        "task__owner_department__head",
        "author",
    ).prefetch_related(
        Prefetch("requirement__members", queryset=GroupMember.objects.select_related("user")),
        Prefetch("requirement__departments", queryset=Department.objects.select_related("head")),
        Prefetch(
            "task__collaborating_departments", queryset=Department.objects.select_related("head")
        ),
        Prefetch("signoffs", queryset=SignOff.objects.select_related("department", "signer")),
    )


def unapproved_plans(requirement: Requirement) -> QuerySet[Plan]:
    return Plan.objects.filter(requirement=requirement).exclude(status=PlanStatus.APPROVED)


def requirements_led_by(user: User) -> QuerySet[Requirement]:
    led = GroupMember.objects.filter(requirement=OuterRef("pk"), user=user, role="leader")
    return (
        Requirement.objects.filter(Exists(led))
        .exclude(status__in=["completed", "rejected"])
        .select_related("initiating_department")
    )


def gantt_rows(
    requirement: Requirement,
    user: User,
    on: datetime.date | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> dict:
    """Data of the Gantt chart: one bar per task (cancelled ones left out), with
    finish-to-start dependencies and the marks the chart shows; `limit` rows from
    `offset` in WBS order (all when None), with the total and where the next window
    starts, so a big requirement loads its chart window by window.

    Reads plain values in three queries whatever the number of tasks; who may drag a bar
    is decided once per requirement (rules.can_update_task, unrolled)."""
    from . import rules as perms

    on = on or today()
    is_open = requirement.status in ("confirmed", "in_progress")
    manages_all = is_open and perms.manages_all(user, requirement)
    liaison_of = perms.liaison_departments(user, requirement) if is_open else set()
    labels = dict(TaskStatus.choices)
    shown = Task.objects.filter(requirement=requirement).exclude(status=TaskStatus.CANCELLED)
    total = shown.count()
    end = total if limit is None else min(offset + limit, total)
    rows = []
    values = (
        with_delay(shown, on)
        .order_by("code_sort", "id")
        .values(
            "id",
            "code",
            "name",
            "planned_start",
            "planned_end",
            "actual_end",
            "progress",
            "status",
            "owner_id",
            "owner_department_id",
            "owner_department__name",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
            "delay_days",
            "is_overdue",
        )
    )
    values = list(values[offset:end]) if end > offset else []
    edges = dependency_edges(requirement.pk, [task["id"] for task in values])
    for task in values:
        status = task["status"]
        classes = [f"bar-{status}"]
        if task["delay_days"] > 0:
            classes.append("bar-late")
        editable = (
            is_open
            and status != TaskStatus.DONE
            and (
                manages_all
                or task["owner_id"] == user.pk
                or task["owner_department_id"] in liaison_of
            )
        )
        if not editable:
            classes.append("bar-readonly")
        full_name = f"{task['owner__first_name']} {task['owner__last_name']}".strip()
        rows.append(
            {
                "id": str(task["id"]),
                "code": task["code"],
                "name": f"{task['code']} {task['name']}",
                "start": task["planned_start"].isoformat(),
                "end": task["planned_end"].isoformat(),
                "actual_end": task["actual_end"].isoformat() if task["actual_end"] else None,
                "progress": task["progress"],
                "dependencies": ", ".join(str(d) for d in sorted(edges.get(task["id"], ()))),
                "status": status,
                "status_display": str(labels[status]),
                "owner": task["owner__display_name"] or full_name or task["owner__username"],
                "owner_department": task["owner_department__name"],
                "delay_days": task["delay_days"],
                "is_overdue": task["is_overdue"],
                "editable": editable,
                "custom_class": " ".join(classes),
            }
        )
    return {
        "requirement": requirement.pk,
        "today": on.isoformat(),
        "start_date": requirement.start_date.isoformat(),
        "end_date": requirement.end_date.isoformat(),
        "total": total,
        "offset": offset,
        "next_offset": end if end < total else None,
        "tasks": rows,
    }


def gantt_groups(requirement: Requirement, on: datetime.date | None = None) -> list[dict]:
    """One summary bar per top-level WBS group (1, 2, …): its span, average progress,
    task count and late tasks, aggregated in the database (the collapsed chart)."""
    on = on or today()
    groups = (
        with_delay(Task.objects.filter(requirement=requirement), on)
        .exclude(status=TaskStatus.CANCELLED)
        .annotate(group=Substr("code_sort", 1, 4))
        .order_by()
        .values("group")
        .annotate(
            start=Min("planned_start"),
            end=Max("planned_end"),
            progress=Avg("progress"),
            tasks=Count("id"),
            late=Count("id", filter=Q(is_overdue=True)),
        )
        .order_by("group")
    )
    rows = []
    for group in groups:
        code = str(int(group["group"] or 0))
        late = group["late"]
        rows.append(
            {
                "id": f"wbs-{code}",
                "code": code,
                "name": _("%(code)s（%(count)s 个任务）") % {"code": code, "count": group["tasks"]},
                "start": group["start"].isoformat(),
                "end": group["end"].isoformat(),
                "actual_end": None,
                "progress": round(group["progress"] or 0),
                "dependencies": "",
                "status": "group",
                "status_display": _("WBS 分组"),
                "owner": "",
                "owner_department": "",
                "delay_days": 0,
                "is_overdue": bool(late),
                "editable": False,
                "custom_class": "bar-group bar-readonly" + (" bar-late" if late else ""),
            }
        )
    return rows
