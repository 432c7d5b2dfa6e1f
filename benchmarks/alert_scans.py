"""Alert scans at scale: 1,000,000 tasks (plus 200,000 risks and 50,000 meetings) on
PostgreSQL, built with INSERT … SELECT generate_series. For every scan it prints:

- scan: the scan as beat runs it (query + building the alert list), cold;
- SQL count: a raw SQL COUNT(*) of the same predicate, for comparison;
- raise: recording those alerts and queueing their deliveries (in-memory broker);
- rescan: the same scan again once they are recorded (the steady state of a beat
  every five minutes: the anti-join leaves everything out);
- the index the planner chose for the scan's main query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        DEBUG=1 .venv/bin/python benchmarks/alert_scans.py [--tasks 1000000] [--rebuild]

Uses its own database (bench_alerts by default, TEST_DATABASE_NAME overrides), kept
between runs so the data is built once; --rebuild builds it again.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("TEST_DATABASE_NAME", "bench_alerts")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.scale_data import insert_series  # noqa: E402

REQUIREMENTS = 2000


def build(task_count: int) -> None:
    from collab.accounts.demo import load as load_org

    context: dict = {}
    load_org(context)
    users, departments = context["users"], context["departments"]
    u = {name: user.pk for name, user in users.items()}
    d = {code: dep.pk for code, dep in departments.items()}
    today = timezone.localdate()
    Requirement = apps.get_model("requests_app", "Requirement")
    GroupMember = apps.get_model("requests_app", "GroupMember")
    Task = apps.get_model("tasks_app", "Task")
    Risk = apps.get_model("risks_app", "Risk")
    Meeting = apps.get_model("meetings", "Meeting")
    started = time.perf_counter()
    with transaction.atomic():
        insert_series(
            Requirement,
            REQUIREMENTS,
            {
                "number": "'2025-MKT-' || lpad(g::text, 4, '0')",
                "topic": "'基准需求 ' || g",
                "goal": "'目标'",
                "start_date": f"date '{today}' - 1200",
                "end_date": f"date '{today}' + 400",
                "priority": "'P1'",
                # 50 waiting in review for ten days, the rest running.
                "status": "CASE WHEN g <= 50 THEN 'pending_review' ELSE 'in_progress' END",
                "review_round": "1",
                "created_at": "now() - interval '10 days'",
                "contact_id": str(u["mkt_staff"]),
                "coordinator_id": str(u["director"]),
                "initiating_department_id": str(d["MKT"]),
            },
        )
        history = Requirement.history.model
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} (id, number, contact_info, topic, goal, "
                "expected_outcomes, start_date, end_date, resources, priority, status, remarks, "
                "review_round, rejection_reason, created_at, updated_at, contact_id, "
                "coordinator_id, initiating_department_id, history_date, history_type, "
                "history_change_reason) SELECT id, number, contact_info, topic, goal, "
                "expected_outcomes, start_date, end_date, resources, priority, status, remarks, "
                "review_round, rejection_reason, created_at, updated_at, contact_id, "
                "coordinator_id, initiating_department_id, created_at, '+', '发起需求' "
                f"FROM {Requirement._meta.db_table}"
            )
        group = ", ".join(
            f"('{role}', {d[code]}, {u[user]})"
            for role, code, user in [
                ("leader", "MKT", "mkt_head"),
                ("liaison", "PRD", "prd_liaison"),
                ("liaison", "SAL", "sal_liaison"),
                ("liaison", "DSN", "dsn_liaison"),
                ("liaison", "CHA", "cha_contact"),
            ]
        )
        insert_series(
            GroupMember,
            0,
            {
                "role": "v.role",
                "department_id": "v.dept",
                "user_id": "v.usr",
                "requirement_id": "r.id",
            },
            source=f"{Requirement._meta.db_table} r CROSS JOIN (VALUES {group}) v(role, dept, usr)",
        )
        first_requirement = Requirement.objects.order_by("pk").values_list("pk", flat=True)[0]
        owners = [(d["PRD"], u["prd_liaison"]), (d["SAL"], u["sal_liaison"]),
                  (d["DSN"], u["dsn_liaison"]), (d["MKT"], u["mkt_head"])]  # fmt: skip
        owner_dept = (
            "CASE g % 4 "
            + " ".join(f"WHEN {i} THEN {dep}" for i, (dep, _user) in enumerate(owners))
            + " END"
        )
        owner = (
            "CASE g % 4 "
            + " ".join(f"WHEN {i} THEN {user}" for i, (_dep, user) in enumerate(owners))
            + " END"
        )
        # Planned ends spread over three years back and one ahead; 98% of past tasks
        # are done, as in a register that is kept up to date.
        end = f"(date '{today}' + ((g::bigint * 7919) % 1461 - 1095)::int)"
        insert_series(
            Task,
            task_count,
            {
                "code": f"((g - 1) / {REQUIREMENTS} + 1)::text",
                "code_sort": f"lpad(((g - 1) / {REQUIREMENTS} + 1)::text, 4, '0')",
                "name": "'任务 ' || g",
                "planned_start": f"{end} - 10",
                "planned_end": end,
                "status": f"CASE WHEN {end} < date '{today}' THEN "
                "(CASE WHEN g % 50 = 0 THEN 'blocked' ELSE 'done' END) "
                "ELSE (CASE WHEN g % 3 = 0 THEN 'not_started' ELSE 'in_progress' END) END",
                "priority": "'P1'",
                "requirement_id": f"{first_requirement} + (g - 1) % {REQUIREMENTS}",
                "owner_id": owner,
                "owner_department_id": owner_dept,
            },
        )
        risk_end = f"(date '{today}' + ((g::bigint * 104729) % 1461 - 1095)::int)"
        insert_series(
            Risk,
            task_count // 5,
            {
                "code": f"lpad(((g - 1) / {REQUIREMENTS} + 1)::text, 3, '0')",
                "kind": "CASE WHEN g % 2 = 0 THEN 'risk' ELSE 'issue' END",
                "description": "'风险 ' || g",
                "impact": "'medium'",
                "occurred_on": f"{risk_end} - 3",
                "planned_resolution": risk_end,
                "status": f"CASE WHEN {risk_end} < date '{today}' AND g % 40 <> 0 "
                "THEN 'resolved' ELSE 'open' END",
                "created_by_id": str(u["mkt_head"]),
                "owner_id": str(u["tec_staff"]),
                "owner_department_id": str(d["TEC"]),
                "requirement_id": f"{first_requirement} + (g - 1) % {REQUIREMENTS}",
            },
        )
        insert_series(
            Meeting,
            task_count // 20,
            {
                "kind": "'weekly'",
                "title": "'例会 ' || g",
                "held_at": "now() - ((g % 400) || ' days')::interval - interval '2 hours'",
                "published_at": "CASE WHEN g % 100 = 1 THEN NULL ELSE now() END",
                "organizer_id": str(u["mkt_head"]),
                "requirement_id": f"{first_requirement} + (g - 1) % {REQUIREMENTS}",
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {task_count:,} tasks in {time.perf_counter() - started:.1f} s")


def raw_counts(ctx) -> dict[str, tuple[str, list]]:
    """The same predicates as the scans, written as plain SQL COUNTs."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType

    days = ctx.days
    today = ctx.today
    models = ("tasks_app.task", "risks_app.risk", "meetings.meeting", "reviews_app.retrospective")
    ct = {m: ContentType.objects.get_by_natural_key(*m.split(".")).pk for m in models}
    catch_up = datetime.timedelta(days=settings.COLLAB_ALERT_CATCHUP_DAYS)
    open_tasks = (
        "FROM tasks_app_task t JOIN requests_app_requirement r ON r.id = t.requirement_id "
        "WHERE t.status IN ('not_started', 'in_progress', 'blocked') "
        "AND r.status IN ('confirmed', 'in_progress') AND t.planned_end BETWEEN %s AND %s "
        "AND NOT EXISTS (SELECT 1 FROM notifications_alert a WHERE a.kind = %s "
        "AND a.content_type_id = %s AND a.object_id = t.id AND a.due_on = t.planned_end)"
    )
    late = days.latest_end_over(today, settings.COLLAB_ALERT_LATE_DAYS)
    escalate = days.latest_end_over(
        today, settings.COLLAB_ALERT_LATE_DAYS + settings.COLLAB_ALERT_ESCALATION_DAYS
    )
    risk_last = today - datetime.timedelta(days=1)
    minutes_latest = ctx.now - datetime.timedelta(hours=settings.COLLAB_ALERT_MINUTES_HOURS)
    review_latest = days.latest_end_over(today, settings.COLLAB_ALERT_REVIEW_DAYS)
    return {
        "task_due_soon": (
            "SELECT count(*) " + open_tasks,
            [today, days.shift(today, settings.COLLAB_ALERT_DUE_SOON_DAYS), "task_due_soon",
             ct["tasks_app.task"]],
        ),
        "task_late": (
            "SELECT count(*) " + open_tasks,
            [late - catch_up, late, "task_late", ct["tasks_app.task"]],
        ),
        "task_escalation": (
            "SELECT count(*) " + open_tasks,
            [escalate - catch_up, escalate, "task_escalation", ct["tasks_app.task"]],
        ),
        "risk_overdue": (
            "SELECT count(*) FROM risks_app_risk k WHERE k.status IN ('open', 'in_progress') "
            "AND k.planned_resolution BETWEEN %s AND %s AND NOT EXISTS (SELECT 1 FROM "
            "notifications_alert a WHERE a.kind = 'risk_overdue' AND a.content_type_id = %s "
            "AND a.object_id = k.id AND a.due_on = k.planned_resolution)",
            [risk_last - catch_up, risk_last, ct["risks_app.risk"]],
        ),
        "minutes_overdue": (
            "SELECT count(*) FROM meetings_meeting m WHERE m.published_at IS NULL "
            "AND m.held_at >= %s AND m.held_at < %s AND NOT EXISTS (SELECT 1 FROM "
            "notifications_alert a WHERE a.kind = 'minutes_overdue' AND a.content_type_id = %s "
            "AND a.object_id = m.id)",
            [minutes_latest - catch_up, minutes_latest, ct["meetings.meeting"]],
        ),
        "retro_overdue": (
            "SELECT count(*) FROM reviews_app_retrospective o WHERE o.status = 'draft' "
            "AND o.due_on BETWEEN %s AND %s AND NOT EXISTS (SELECT 1 FROM notifications_alert a "
            "WHERE a.kind = 'retro_overdue' AND a.content_type_id = %s AND a.object_id = o.id "
            "AND a.due_on = o.due_on)",
            [risk_last - catch_up, risk_last, ct["reviews_app.retrospective"]],
        ),
        "review_stale": (
            "SELECT count(*) FROM requests_app_requirement r WHERE r.status = 'pending_review' "
            "AND r.created_at < %s",
            [datetime.datetime.combine(review_latest + datetime.timedelta(days=1),
                                       datetime.time(), tzinfo=timezone.get_current_timezone())],
        ),
    }  # fmt: skip


def scan_nodes(plan: list[str]) -> list[str]:
    """How each table is read: the index used, or `seq <table>`."""
    nodes = []
    for line in plan:
        text = line.strip().lstrip("->").strip()
        if text.startswith("Seq Scan on "):
            nodes.append("seq " + text.split()[3])
        elif " using " in text:
            nodes.append(text.split(" using ")[1].split()[0])
        elif text.startswith("Bitmap Index Scan on "):
            nodes.append(text.split()[4])
    return nodes


def timed(func):
    started = time.perf_counter()
    result = func()
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")

    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=not args.rebuild, serialize=False
    )
    Task = apps.get_model("tasks_app", "Task")
    existing = Task.objects.count()
    if existing < args.tasks:
        if existing:
            sys.exit(f"{existing} tasks already; run with --rebuild")
        build(args.tasks)
    else:
        print(f"reusing {existing:,} tasks in {connection.settings_dict['NAME']}")

    from collab.notifications.alerts import SCANS, ScanContext
    from collab.notifications.models import Alert
    from collab.notifications.services import alerts_raise

    Alert.objects.all().delete()  # every run measures the same first scan
    from django.urls import reverse

    reverse("home")  # load the URLconf once, outside the timings
    ctx = ScanContext.at()
    counts = raw_counts(ctx)
    print(f"\n{Task.objects.count():,} tasks; today {ctx.today}; PostgreSQL "
          f"{connection.cursor().connection.info.server_version}\n")  # fmt: skip
    header = f"{'scan':18} {'alerts':>7} {'scan ms':>9} {'SQL count':>10} {'count ms':>9} "
    header += f"{'raise ms':>9} {'rescan ms':>10}  plan"
    print(header)
    for name, scan in SCANS.items():
        specs, scan_ms = timed(lambda scan=scan: list(scan.func(ctx)))
        raw = counts.get(name)
        if raw:
            with connection.cursor() as cursor:
                (count,), count_ms = timed(
                    lambda raw=raw, cursor=cursor: (cursor.execute(*raw), cursor.fetchone())[1]
                )
                cursor.execute("EXPLAIN " + raw[0], raw[1])
                plan = [row[0] for row in cursor.fetchall()]
            index = ", ".join(dict.fromkeys(scan_nodes(plan)))
        else:
            count, count_ms, index = "-", 0.0, "(per person, see text)"
        _raised, raise_ms = timed(lambda specs=specs: alerts_raise(specs=specs))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE notifications_alert")  # as autovacuum would
        again, rescan_ms = timed(lambda scan=scan: list(scan.func(ctx)))
        assert again == [] or name == "daily_digest", name
        print(
            f"{name:18} {len(specs):>7} {scan_ms:>9.1f} {count!s:>10} {count_ms:>9.1f} "
            f"{raise_ms:>9.1f} {rescan_ms:>10.1f}  {index}"
        )


if __name__ == "__main__":
    main()
