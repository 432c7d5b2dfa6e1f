"""Gantt chart at scale: one requirement with 2,000 tasks (bulk-inserted), then the
Gantt page and the Gantt data endpoint are requested in-process and their server time
and query count printed.

    DEBUG=1 .venv/bin/python benchmarks/gantt_page.py [--tasks 2000] [--runs 5]

Runs against a throwaway test database (SQLite in memory by default; with
DATABASE_URL=postgres://… a `test_…` database, named by TEST_DATABASE_NAME if set).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def build(task_count: int):
    from collab.accounts.demo import load as load_org
    from requests_app.selectors import review_slots
    from requests_app.services import (
        group_add_member,
        requirement_confirm,
        requirement_create,
        requirement_sign,
    )
    from tasks_app.models import Task, TaskStatus, wbs_sort_key

    context: dict = {}
    load_org(context)
    users, departments = context["users"], context["departments"]
    requirement = requirement_create(
        actor=users["mkt_staff"],
        data={
            "topic": "大规模甘特图",
            "goal": "2000个任务",
            "start_date": datetime.date(2026, 1, 5),
            "end_date": datetime.date(2026, 12, 31),
            "coordinator": users["director"],
        },
        departments=[departments[c] for c in ("PRD", "SAL", "DSN", "CHA")],
    )
    director = users["director"]
    group_add_member(requirement=requirement, actor=director, user=users["mkt_head"], role="leader")
    for username in ("prd_liaison", "sal_liaison", "dsn_liaison", "cha_contact"):
        group_add_member(
            requirement=requirement, actor=director, user=users[username], role="liaison"
        )
    for slot in review_slots(requirement):
        requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    requirement = requirement_confirm(requirement=requirement, actor=director)

    owners = [
        (departments["PRD"], users["prd_liaison"]),
        (departments["SAL"], users["sal_liaison"]),
        (departments["DSN"], users["dsn_liaison"]),
        (departments["MKT"], users["mkt_head"]),
    ]
    statuses = [TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.NOT_STARTED]
    start = datetime.date(2026, 1, 5)
    tasks = []
    for index in range(task_count):
        group, item = divmod(index, 20)
        code = f"{group + 1}.{item + 1}"
        department, owner = owners[index % len(owners)]
        status = statuses[index % len(statuses)]
        planned_start = start + datetime.timedelta(days=(index * 3) % 330)
        planned_end = planned_start + datetime.timedelta(days=3 + index % 10)
        tasks.append(
            Task(
                requirement=requirement,
                code=code,
                code_sort=wbs_sort_key(code),
                name=f"任务 {code}",
                owner_department=department,
                owner=owner,
                planned_start=planned_start,
                planned_end=planned_end,
                actual_end=planned_end + datetime.timedelta(days=index % 3)
                if status == TaskStatus.DONE
                else None,
                status=status,
                priority=("P0", "P1", "P2")[index % 3],
                progress=(index * 7) % 101,
                deliverable=f"交付物 {code}",
            )
        )
    Task.objects.bulk_create(tasks, batch_size=500)
    created = list(Task.objects.filter(requirement=requirement).order_by("id"))
    collab_through = Task.collaborating_departments.through
    collab_through.objects.bulk_create(
        [collab_through(task=t, department=departments["CHA"]) for t in created],
        batch_size=1000,
    )
    # finish-to-start chains inside each group of 20
    depends = Task.depends_on.through
    depends.objects.bulk_create(
        [
            depends(from_task=created[i], to_task=created[i - 1])
            for i in range(1, len(created))
            if i % 20
        ],
        batch_size=1000,
    )
    return requirement, users["mkt_head"]


def measure(client: Client, url: str, runs: int) -> dict:
    client.get(url)  # warm-up: template and URL caches
    times, queries, size = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
        queries, size = len(captured), len(response.content)
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "queries": queries,
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        requirement, leader = build(args.tasks)
        build_seconds = time.perf_counter() - began
        client = Client()
        client.force_login(leader)
        page = measure(client, f"/tasks/requirement/{requirement.pk}/gantt/", args.runs)
        api = measure(client, f"/api/v1/requirements/{requirement.pk}/gantt/", args.runs)
        register = measure(client, f"/tasks/requirement/{requirement.pk}/", args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; tasks: {args.tasks}; runs: {args.runs}")
    print(f"built in {build_seconds:.1f} s (bulk insert)")
    for label, result in (
        ("Gantt page", page),
        ("Gantt endpoint", api),
        ("Task register page (50 per page)", register),
    ):
        print(
            f"{label}: median {result['median_ms']:.0f} ms "
            f"(min {result['min_ms']:.0f}, max {result['max_ms']:.0f}), "
            f"{result['queries']} queries, {result['bytes'] / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
