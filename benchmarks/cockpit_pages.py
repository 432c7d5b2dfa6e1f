"""The cockpit at scale: the portfolio and department KPI pages and endpoints, timed
in-process (server time and query count).

    # its own PostgreSQL database (bench_cockpit, kept between runs; --rebuild builds it
    # again): 1,000 requirements, 200,000 tasks, 20,000 risks, special meetings, plans
    # with sign-offs, retrospectives
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        DEBUG=1 .venv/bin/python benchmarks/cockpit_pages.py [--tasks 200000] [--rebuild]

    # --jit: Collab turns PostgreSQL's JIT off on its connections (collab/settings.py);
    # measure with it on, for comparison

    # any database that already holds data (e.g. the scale fixture): build nothing,
    # measure as the first active coordinator (or --user NAME)
    DATABASE_URL=postgres://…/collab DEBUG=1 .venv/bin/python benchmarks/cockpit_pages.py \\
        --existing [--user director]
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
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000


def build(task_count: int, requirement_count: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F
    from simple_history.utils import bulk_create_with_history

    from collab.accounts.demo import load as load_org
    from collab.signoffs.models import SignOff
    from meetings.models import CauseCategory, Meeting
    from requests_app.models import GroupMember, Requirement
    from reviews_app.models import Acceptance, ImprovementAction, Metric, Retrospective
    from risks_app.models import Risk
    from tasks_app.models import Plan, PlanVersion, Task, wbs_sort_key

    started = time.perf_counter()
    context: dict = {}
    load_org(context)
    users, departments = context["users"], context["departments"]
    internal = [departments[c] for c in ("PRD", "SAL", "DSN", "TEC", "OPS")]
    owners = {
        "PRD": users["prd_liaison"],
        "SAL": users["sal_liaison"],
        "DSN": users["dsn_liaison"],
        "TEC": users["tec_staff"],
        "OPS": users["ops_staff"],
    }
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    statuses = ["in_progress"] * 6 + ["confirmed"] * 2 + ["completed", "pending_review"]
    with transaction.atomic():
        requirements = bulk_create_with_history(
            [
                Requirement(
                    number=f"2026-MKT-B{index:05d}",
                    initiating_department=departments[("MKT", "PRD", "SAL")[index % 3]],
                    contact=users["mkt_staff"],
                    topic=f"规模协作{index}",
                    goal="目标",
                    start_date=today - 300 * day,
                    end_date=today + (index % 90 - 10) * day,
                    priority=("P0", "P1", "P2")[index % 3],
                    status=statuses[index % len(statuses)],
                    coordinator=users["director"],
                )
                for index in range(requirement_count)
            ],
            Requirement,
            batch_size=BATCH,
        )
        requirements = list(Requirement.objects.filter(number__startswith="2026-MKT-B"))
        through = Requirement.departments.through
        through.objects.bulk_create(
            [
                through(requirement=r, department=internal[(i + k) % 5])
                for i, r in enumerate(requirements)
                for k in range(3)
            ],
            batch_size=BATCH,
        )
        GroupMember.objects.bulk_create(
            [
                GroupMember(
                    requirement=r,
                    user=users["mkt_head"],
                    department=departments["MKT"],
                    role="leader",
                )
                for r in requirements
            ]
            + [
                GroupMember(
                    requirement=r,
                    user=owners[internal[(i + k) % 5].code],
                    department=internal[(i + k) % 5],
                    role="liaison",
                )
                for i, r in enumerate(requirements)
                for k in range(3)
            ],
            batch_size=BATCH,
        )
        per_requirement = max(task_count // requirement_count, 1)
        tasks = []
        for i, r in enumerate(requirements):
            for n in range(per_requirement):
                department = internal[(i + n) % 5]
                end = today - (n * 37 % 360) * day + 30 * day
                kind = (i * 7 + n) % 10
                finished = end <= today and kind < 8
                actual = end + ((n % 4) * day if kind < 3 else 0 * day) if finished else None
                status = "done" if finished else ("blocked" if kind == 9 else "in_progress")
                code = f"{n // 50 + 1}.{n % 50 + 1}"
                tasks.append(
                    Task(
                        requirement=r,
                        code=code,
                        code_sort=wbs_sort_key(code),
                        name=f"任务{code}",
                        owner_department=department,
                        owner=owners[department.code],
                        planned_start=end - 10 * day,
                        planned_end=end,
                        actual_end=actual,
                        status=status,
                        progress=100 if finished else (n * 13) % 100,
                    )
                )
            if len(tasks) >= BATCH:
                Task.objects.bulk_create(tasks, batch_size=BATCH)
                tasks = []
        Task.objects.bulk_create(tasks, batch_size=BATCH)
        task_type = ContentType.objects.get_for_model(Task)
        late = Task.objects.filter(status="done", actual_end__gt=F("planned_end"))
        causes = CauseCategory.values
        Meeting.objects.bulk_create(
            [
                Meeting(
                    requirement_id=requirement_id,
                    kind="special",
                    organizer=users["mkt_head"],
                    held_at=timezone.make_aware(datetime.datetime.combine(end, datetime.time(10))),
                    subject_type=task_type,
                    subject_id=pk,
                    cause_category=causes[pk % len(causes)],
                )
                for pk, requirement_id, end in late.values_list(
                    "pk", "requirement_id", "planned_end"
                )[: task_count // 20]
            ],
            batch_size=BATCH,
        )
        Risk.objects.bulk_create(
            [
                Risk(
                    requirement=requirements[n % len(requirements)],
                    code=f"{n // len(requirements) + 1:03d}",
                    kind=("risk", "issue")[n % 2],
                    description="风险",
                    impact=("high", "medium", "low")[n % 3],
                    owner_department=internal[n % 5],
                    occurred_on=today - (n % 300) * day,
                    planned_resolution=today - (n % 300) * day + 7 * day,
                    status=("open", "in_progress", "resolved", "closed")[n % 4],
                    created_by=users["mkt_head"],
                )
                for n in range(task_count // 10)
            ],
            batch_size=BATCH,
        )
        plans = Plan.objects.bulk_create(
            [
                Plan(requirement=r, title=f"方案{i}", body="步骤", author=users["mkt_head"])
                for i, r in enumerate(requirements)
            ],
            batch_size=BATCH,
        )
        PlanVersion.objects.bulk_create(
            [
                PlanVersion(
                    plan=p,
                    version=1,
                    title=p.title,
                    body="步骤",
                    budget_unit="wan_yuan",
                    submitted_by=users["mkt_head"],
                )
                for p in plans
            ],
            batch_size=BATCH,
        )
        plan_type = ContentType.objects.get_for_model(Plan)
        SignOff.objects.bulk_create(
            [
                SignOff(
                    content_type=plan_type,
                    object_id=p.pk,
                    stage="plan_approval",
                    department=internal[(i + k) % 5],
                    signer=users["prd_head"],
                    decision="approve",
                )
                for i, p in enumerate(plans)
                for k in range(3)
            ],
            batch_size=BATCH,
        )
        done = [r for r in requirements if r.status == "completed"]
        acceptances = Acceptance.objects.bulk_create(
            [
                Acceptance(
                    requirement=r,
                    accepted_on=today - 20 * day,
                    status="accepted",
                    created_by=users["mkt_head"],
                )
                for r in done
            ]
        )
        retros = Retrospective.objects.bulk_create(
            [
                Retrospective(
                    requirement=a.requirement,
                    acceptance=a,
                    due_on=today - 13 * day,
                    held_on=today - 14 * day,
                )
                for a in acceptances
            ]
        )
        Metric.objects.bulk_create(
            [
                Metric(retrospective=r, name=f"指标{k}", target=100, actual=80 + k * 15)
                for r in retros
                for k in range(3)
            ]
        )
        ImprovementAction.objects.bulk_create(
            [
                ImprovementAction(
                    retrospective=r,
                    action="改进",
                    owner_department=internal[k],
                    owner=users["ops_head"],
                    due_date=today - (k * 10) * day,
                    status=("done", "open")[k % 2],
                    done_on=today - (k * 10 + 1) * day if k % 2 == 0 else None,
                )
                for r in retros
                for k in range(3)
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {len(requirements)} requirements, {Task.objects.count()} tasks, "
        f"{Risk.objects.count()} risks in {time.perf_counter() - started:.0f} s"
    )


def measure(client: Client, label: str, url: str, runs: int) -> None:
    client.get(url)  # warm up
    times, queries, size, status = [], 0, 0, 0
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            times.append((time.perf_counter() - started) * 1000)
        queries, size, status = len(captured), len(content), response.status_code
    print(
        f"{label}: median {statistics.median(times):.0f} ms "
        f"(min {min(times):.0f}, max {max(times):.0f}), {queries} queries, "
        f"{size / 1024:.0f} KiB, HTTP {status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--requirements", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--existing", action="store_true", help="measure the database as it is")
    parser.add_argument("--user", default="", help="username to measure as")
    parser.add_argument(
        "--jit", action="store_true", help="SET jit = on on every connection (PostgreSQL)"
    )
    args = parser.parse_args()

    from collab.accounts.models import User
    from tasks_app.models import Task

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if not args.existing:
        if connection.vendor != "postgresql":
            sys.exit("Give a PostgreSQL DATABASE_URL (or --existing to measure as it is).")
        name = os.environ.get("TEST_DATABASE_NAME", "bench_cockpit")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and args.rebuild:
                cursor.execute(f'DROP DATABASE "{name}"')
                exists = False
            if not exists:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if not Task.objects.exists():
            build(args.tasks, args.requirements)
    if args.jit:
        from django.db.backends.signals import connection_created

        def jit_on(sender, connection, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET jit = on")

        connection_created.connect(jit_on, weak=False)
        connections.close_all()
    user = (
        User.objects.get(username=args.user)
        if args.user
        else User.objects.filter(is_coordinator=True, is_active=True).order_by("pk").first()
    )
    print(
        f"database {connection.settings_dict['NAME']} ({connection.vendor}): "
        f"{Task.objects.count()} tasks; measuring as {user.username}"
        + (", jit on" if args.jit else "")
    )
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    year = f"from={today - datetime.timedelta(days=364)}&to={today}"
    measure(client, "Portfolio page (50 per page)", "/cockpit/", args.runs)
    measure(client, "Portfolio page, late only", "/cockpit/?health=late", args.runs)
    measure(
        client, "Portfolio endpoint (page_size 50)", "/api/v1/portfolio/?page_size=50", args.runs
    )
    measure(client, "KPI page (12 weeks)", "/cockpit/kpis/", args.runs)
    measure(client, "KPI page (one year)", f"/cockpit/kpis/?{year}", args.runs)
    measure(client, "KPI endpoint (one year)", f"/api/v1/kpis/?{year}", args.runs)
    measure(client, "KPI Excel export (one year)", f"/cockpit/kpis/export.xlsx?{year}", args.runs)


if __name__ == "__main__":
    main()
