# ruff: noqa: S608 - SQL built from model metadata and integers of this module, never input
"""Company-scale data built with set-based SQL (`INSERT … SELECT generate_series`), for
benchmarks and for checking that lists stay O(page) as the registers grow.

`build(sizes)` fills the current database (PostgreSQL) with departments and people,
running requirements with their groups, review sign-offs and plans, tasks with
dependencies, progress updates and history, risks and meetings, plus one big
requirement holding `sizes.big_requirement_tasks` tasks in WBS groups. Models are looked
up by label, so the platform imports no register app. `manage.py seed_scale` runs it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

PASSWORD = "collab-demo"  # noqa: S105 - every seeded person signs in with the demo password
BIG_TOPIC = "大型需求"


@dataclass(frozen=True)
class Sizes:
    requirements: int = 2000
    tasks: int = 200_000
    risks: int = 20_000
    meetings: int = 5000
    users: int = 500
    departments: int = 30
    big_requirement_tasks: int = 5000
    notifications: int = 5000
    group_size: int = 100  # tasks per WBS group (1.1 … 1.100, 2.1 …)


SMALL = Sizes(
    requirements=60,
    tasks=5000,
    risks=600,
    meetings=150,
    users=60,
    departments=6,
    big_requirement_tasks=1000,
    notifications=300,
    group_size=50,
)


def table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def insert_series(model, count: int, exprs: dict[str, str], source: str = "") -> int:
    """INSERT count rows of model (or one per row of `source`); columns not in exprs get
    a neutral value. Answers the number of rows written."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in exprs:
            continue
        column = field.column
        columns.append(column)
        if column in exprs:
            values.append(exprs[column])
        elif field.null:
            values.append("NULL")
        elif field.get_internal_type() == "DateTimeField":
            values.append("now()")
        elif field.get_internal_type() == "DateField":
            values.append("current_date")
        elif field.get_internal_type() == "BooleanField":
            values.append("true" if field.default is True else "false")
        elif "Integer" in field.get_internal_type():
            values.append(str(field.default if isinstance(field.default, int) else 0))
        elif field.has_default() and isinstance(field.default, str):
            values.append(f"'{field.default}'")
        else:
            values.append("''")
    # Table, column names and expressions come from the models and this module.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source or f'generate_series(1, {count}) g'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def copy_history(label: str, history_type: str = "+", reason: str = "批量导入") -> int:
    """One history row per record of `label`, as simple-history writes on create."""
    model = apps.get_model(label)
    history = model.history.model
    columns = [f.column for f in model._meta.concrete_fields]
    names = ", ".join(columns)
    sql = (
        f"INSERT INTO {history._meta.db_table} ({names}, history_date, history_type, "
        f"history_change_reason) SELECT {names}, created_at, %s, %s FROM {model._meta.db_table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [history_type, reason])
        return cursor.rowcount


def _min_id(label: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table(label)}")
        return cursor.fetchone()[0] + 1


def build(sizes: Sizes = Sizes(), *, log=print) -> dict[str, int]:  # noqa: B008
    """Fill the current database; answers row counts per table. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the scale fixture is built with PostgreSQL SQL")
    s = sizes
    today = timezone.localdate()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    Department = apps.get_model("accounts.Department")
    User = apps.get_model("accounts.User")
    Requirement = apps.get_model("requests_app.Requirement")
    GroupMember = apps.get_model("requests_app.GroupMember")
    SignOff = apps.get_model("signoffs.SignOff")
    Task = apps.get_model("tasks_app.Task")
    Plan = apps.get_model("tasks_app.Plan")
    ProgressUpdate = apps.get_model("tasks_app.ProgressUpdate")
    Risk = apps.get_model("risks_app.Risk")
    Meeting = apps.get_model("meetings.Meeting")
    Notification = apps.get_model("notifications.Notification")
    ContentType = apps.get_model("contenttypes.ContentType")
    password = make_password(PASSWORD)
    with transaction.atomic():
        d0 = _min_id("accounts.Department")
        counts["departments"] = insert_series(
            Department,
            s.departments,
            {
                "code": "'S' || lpad(g::text, 2, '0')",
                "name": "'部门' || lpad(g::text, 2, '0')",
                "kind": "'internal'",
            },
        )
        u0 = _min_id("accounts.User")
        # u0: the coordinator; then people spread over the departments, the first of each
        # department its head.
        dept_of = f"{d0} + (g - 2) % {s.departments}"
        counts["users"] = insert_series(
            User,
            s.users + 1,
            {
                "password": f"'{password}'",
                "username": "CASE WHEN g = 1 THEN 'scale_director' "
                "ELSE 'scale_u' || lpad((g - 1)::text, 4, '0') END",
                "display_name": "CASE WHEN g = 1 THEN '项目总监' ELSE '员工' || (g - 1) END",
                "email": "'u' || g || '@example.com'",
                "is_active": "true",
                "is_coordinator": "g = 1",
                "department_id": f"CASE WHEN g = 1 THEN NULL ELSE {dept_of} END",
                "date_joined": "now()",
            },
        )
        director = u0

        def member(dept: str, nth: int) -> str:
            """SQL for the id of the nth person (0: the head) of department index dept."""
            return f"({u0} + 1 + ({dept}) + {nth} * {s.departments})"

        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Department._meta.db_table} SET head_id = "
                f"{u0} + 1 + (id - {d0}) WHERE id >= {d0}"
            )
        r0 = _min_id("requests_app.Requirement")
        dept_idx = f"((g - 1) % {s.departments})"
        counts["requirements"] = insert_series(
            Requirement,
            s.requirements,
            {
                "number": "'2025-S' || lpad(((g - 1) % "
                f"{s.departments} + 1)::text, 2, '0') || '-' || lpad(g::text, 4, '0')",
                "initiating_department_id": f"{d0} + {dept_idx}",
                "contact_id": member(dept_idx, 1),
                "contact_info": "'13800000000'",
                "topic": f"CASE WHEN g = 1 THEN '{BIG_TOPIC}' ELSE '协作需求 ' || g END",
                "goal": "'三个月内完成目标'",
                "expected_outcomes": "'方案、物料、报告'",
                "start_date": f"date '{today}' - 400",
                "end_date": f"date '{today}' + 400",
                "priority": "(ARRAY['P0','P1','P2'])[1 + g % 3]",
                "status": "'in_progress'",
                "coordinator_id": str(director),
                "review_round": "1",
                "created_at": f"now() - ({s.requirements} - g) * interval '1 hour'",
                "updated_at": "now()",
            },
        )
        big = r0
        through = Requirement.departments.through
        counts["requirement_departments"] = insert_series(
            through,
            0,
            {
                "requirement_id": "r.id",
                "department_id": f"{d0} + (r.id - {r0} + k) % {s.departments}",
            },
            source=f"{Requirement._meta.db_table} r CROSS JOIN generate_series(1, 2) k "
            f"WHERE r.id >= {r0}",
        )
        # The group: the initiating department's head leads; one liaison per involved
        # department (its second person).
        counts["group_members"] = insert_series(
            GroupMember,
            0,
            {
                "requirement_id": "r.id",
                "user_id": f"CASE WHEN k = 0 THEN {member(f'(r.id - {r0}) % {s.departments}', 0)}"
                f" ELSE {member(f'(r.id - {r0} + k) % {s.departments}', 1)} END",
                "department_id": f"{d0} + (r.id - {r0} + k) % {s.departments}",
                "role": "CASE WHEN k = 0 THEN 'leader' ELSE 'liaison' END",
            },
            source=f"{Requirement._meta.db_table} r CROSS JOIN generate_series(0, 2) k "
            f"WHERE r.id >= {r0}",
        )
        requirement_ct = ContentType.objects.get_for_model(Requirement).pk
        # Review sign-offs: the coordinator and the three department heads approved.
        counts["signoffs"] = insert_series(
            SignOff,
            0,
            {
                "content_type_id": str(requirement_ct),
                "object_id": "r.id",
                "stage": "'requirement_review'",
                "round": "1",
                "department_id": f"CASE WHEN k = 0 THEN NULL "
                f"ELSE {d0} + (r.id - {r0} + k - 1) % {s.departments} END",
                "signer_id": f"CASE WHEN k = 0 THEN {director} "
                f"ELSE {member(f'(r.id - {r0} + k - 1) % {s.departments}', 0)} END",
                "decision": "'approve'",
                "comment": "''",
                "signed_at": "r.created_at + interval '1 day'",
            },
            source=f"{Requirement._meta.db_table} r CROSS JOIN generate_series(0, 3) k "
            f"WHERE r.id >= {r0}",
        )
        log(f"requirements, groups and sign-offs: {time.perf_counter() - started:.1f} s")

        # Tasks: the big requirement first, then the rest spread over the others.
        t0 = _min_id("tasks_app.Task")
        big_n = min(s.big_requirement_tasks, s.tasks)
        rest = max(s.requirements - 1, 1)
        # n: the task's number inside its requirement (0-based); req: its requirement.
        # The other requirements take the remaining tasks in turn.
        source = (
            f"(SELECT g, CASE WHEN g <= {big_n} THEN {big} "
            f"ELSE {r0} + 1 + (g - {big_n} - 1) % {rest} END AS req, "
            f"CASE WHEN g <= {big_n} THEN g - 1 ELSE (g - {big_n} - 1) / {rest} END AS n "
            f"FROM generate_series(1, {s.tasks}) g) x"
        )
        group = s.group_size
        code = f"((n / {group}) + 1)::text || '.' || ((n % {group}) + 1)::text"
        code_sort = (
            f"lpad(((n / {group}) + 1)::text, 4, '0') || '.' "
            f"|| lpad(((n % {group}) + 1)::text, 4, '0')"
        )
        end = f"(date '{today}' + ((g::bigint * 7919) % 540 - 300)::int)"
        owner_dept = f"((req - {r0} + g % 3) % {s.departments})"
        counts["tasks"] = insert_series(
            Task,
            0,
            {
                "requirement_id": "req",
                "code": code,
                "code_sort": code_sort,
                "name": "'子任务 ' || g",
                "owner_department_id": f"{d0} + {owner_dept}",
                "owner_id": member(owner_dept, f"(g % {max(s.users // s.departments - 1, 1)})"),
                "planned_start": f"{end} - (5 + g % 20)",
                "planned_end": end,
                "actual_end": f"CASE WHEN {end} < date '{today}' AND g % 25 <> 0 "
                f"THEN {end} + (g % 3) END",
                "status": f"CASE WHEN {end} < date '{today}' THEN "
                "(CASE WHEN g % 25 = 0 THEN 'blocked' ELSE 'done' END) "
                f"WHEN {end} < date '{today}' + 30 THEN 'in_progress' ELSE 'not_started' END",
                "deliverable": "'《交付物' || g || '》'",
                "priority": "(ARRAY['P0','P1','P2'])[1 + g % 3]",
                "progress": f"CASE WHEN {end} < date '{today}' AND g % 25 <> 0 THEN 100 "
                f"WHEN {end} < date '{today}' + 30 THEN g % 90 ELSE 0 END",
                "created_at": "now() - interval '300 days'",
                "updated_at": "now()",
            },
            source=source,
        )
        # The tasks of a WBS group run one after the other (finish-to-start).
        deps = Task.depends_on.through
        counts["dependencies"] = insert_series(
            deps,
            0,
            {
                "from_task_id": "t.id",
                "to_task_id": f"CASE WHEN t.requirement_id = {big} THEN t.id - 1 "
                f"ELSE t.id - {rest} END",
            },
            source=f"{Task._meta.db_table} t WHERE t.id >= {t0} + 1 " "AND t.code NOT LIKE '%.1'",
        )
        collaborating = Task.collaborating_departments.through
        counts["collaborating_departments"] = insert_series(
            collaborating,
            0,
            {
                "task_id": "t.id",
                "department_id": f"CASE WHEN t.owner_department_id = {d0} THEN {d0} + 1 "
                f"ELSE {d0} END",
            },
            source=f"{Task._meta.db_table} t WHERE t.id >= {t0}",
        )
        counts["progress_updates"] = insert_series(
            ProgressUpdate,
            0,
            {
                "task_id": "t.id",
                "kind": "'progress'",
                "author_id": "t.owner_id",
                "progress": "t.progress",
                "note": "'完成' || t.progress || '%'",
                "created_at": "now() - (t.id % 30) * interval '1 day'",
            },
            source=f"{Task._meta.db_table} t WHERE t.id >= {t0} AND t.status <> 'not_started'",
        )
        log(f"tasks, dependencies and progress: {time.perf_counter() - started:.1f} s")

        counts["plans"] = insert_series(
            Plan,
            0,
            {
                "requirement_id": "r.id",
                "title": "'总体方案 ' || r.number",
                "body": "'步骤、资源与应急预案'",
                "version": "1",
                "status": "'approved'",
                "author_id": "r.contact_id",
                "created_at": "r.created_at",
                "updated_at": "r.created_at",
            },
            source=f"{Requirement._meta.db_table} r WHERE r.id >= {r0}",
        )
        risk_end = f"(date '{today}' + ((g::bigint * 104729) % 400 - 300)::int)"
        counts["risks"] = insert_series(
            Risk,
            s.risks,
            {
                "requirement_id": f"{r0} + (g - 1) % {s.requirements}",
                "code": f"lpad(((g - 1) / {s.requirements} + 1)::text, 3, '0')",
                "kind": "CASE WHEN g % 2 = 0 THEN 'risk' ELSE 'issue' END",
                "description": "'风险 ' || g",
                "impact": "(ARRAY['high','medium','low'])[1 + g % 3]",
                "owner_department_id": f"{d0} + (g % {s.departments})",
                "owner_id": member(f"(g % {s.departments})", 0),
                "occurred_on": f"{risk_end} - 3",
                "planned_resolution": risk_end,
                "status": f"CASE WHEN {risk_end} < date '{today}' AND g % 40 <> 0 "
                "THEN 'resolved' ELSE 'open' END",
                "created_by_id": str(director),
                "created_at": f"now() - ({s.risks} - g) * interval '1 minute'",
                "updated_at": "now()",
            },
        )
        counts["meetings"] = insert_series(
            Meeting,
            s.meetings,
            {
                "requirement_id": f"{r0} + (g - 1) % {s.requirements}",
                "kind": "'weekly'",
                "title": "'协作例会 ' || g",
                "organizer_id": member(f"((g - 1) % {s.requirements}) % {s.departments}", 0),
                "held_at": "now() - ((g % 300) || ' days')::interval",
                "minutes": "'纪要'",
                "published_at": "now() - ((g % 300) || ' days')::interval + interval '2 hours'",
                "created_at": "now() - ((g % 300) || ' days')::interval",
                "updated_at": "now()",
            },
        )
        counts["notifications"] = insert_series(
            Notification,
            s.notifications,
            {
                "recipient_id": str(director),
                "kind": "'task_due_soon'",
                "message": "'任务即将到期 ' || g",
                "target": "'/'",
                "created_at": "now() - g * interval '1 minute'",
                "read_at": "CASE WHEN g % 2 = 0 THEN now() END",
                "action": "''",
            },
        )
        for label in ("requests_app.Requirement", "tasks_app.Task", "risks_app.Risk"):
            counts[f"history {label}"] = copy_history(label)
        log(f"plans, risks, meetings and history: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"built in {time.perf_counter() - started:.1f} s")
    return counts
