"""Flood one DingTalk group robot with alerts and watch the rate limit hold.

Raises N alerts (default 20,000) whose only delivery is one DingTalk robot, on a real
pipeline: PostgreSQL (its own database, bench_robot_flood), a private redis-server on
a free port as broker and rate-limit store, a real Celery worker on the robot-dingtalk
queue, and a local receiver that checks the DingTalk format and signature. Prints the
messages the group received per minute, the most in any 60-second window, the time to
the last delivery and what became of every delivery row.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        DEBUG=1 .venv/bin/python benchmarks/robot_flood.py [--alerts 20000] [--limit 20/60]
"""

import argparse
import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--alerts", type=int, default=20000)
parser.add_argument("--limit", default="20/60", help="DingTalk rate limit, count/seconds")
parser.add_argument("--concurrency", type=int, default=2)
parser.add_argument("--timeout", type=float, default=900)
options = parser.parse_args()

redis_port = free_port()
redis = subprocess.Popen(
    [shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--save", ""],
    stdout=subprocess.DEVNULL,
)
time.sleep(0.5)
broker = f"redis://127.0.0.1:{redis_port}/0"
os.environ.update(
    DJANGO_SETTINGS_MODULE="collab.settings",
    DEBUG="1",
    CELERY_BROKER_URL=broker,
    REDIS_URL=f"redis://127.0.0.1:{redis_port}/1",
    COLLAB_ROBOT_RATE_DINGTALK=options.limit,
)
os.environ.setdefault("TEST_DATABASE_NAME", "bench_robot_flood")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from collab.accounts.models import Department, User  # noqa: E402
from collab.notifications.models import Delivery, RobotConfig  # noqa: E402
from collab.notifications.services import AlertSpec, alerts_raise  # noqa: E402
from tests.notifications.receiver import SECRETS, Receiver  # noqa: E402

worker = None
try:
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(
        f"database {connection.settings_dict['NAME']} ready in "
        f"{time.perf_counter() - started:.0f} s"
    )
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
    }
    with Receiver() as receiver:
        department = Department.objects.create(code="FLD", name="压测部", kind="internal")
        owner = User.objects.create(username="flood_owner", department=department)
        robot = RobotConfig.objects.create(
            name="压测群",
            kind="dingtalk",
            webhook_url=receiver.url("dingtalk"),
            secret=SECRETS["dingtalk"],
            department=department,
        )
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "collab", "worker",
             "-Q", "robot-dingtalk", f"--concurrency={options.concurrency}",
             "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        time.sleep(8)  # let the worker connect before the flood starts
        base = datetime.date(2000, 1, 1)
        flood_start = time.time()
        for chunk in range(0, options.alerts, 1000):
            alerts_raise(
                specs=[
                    AlertSpec(
                        kind="task_due_soon",
                        target=owner,
                        due_on=base + datetime.timedelta(days=n),
                        recipients=[],
                        message=f"压测提醒 {n + 1}",
                        url="/notifications/",
                        departments=[department.pk],
                    )
                    for n in range(chunk, min(chunk + 1000, options.alerts))
                ]
            )
        raised = time.time() - flood_start
        print(f"{options.alerts} alerts raised and queued in {raised:.1f} s")
        rows = Delivery.objects.filter(robot=robot)
        deadline = time.time() + options.timeout
        while time.time() < deadline:
            if not rows.exclude(status__in=["sent", "merged", "failed"]).exists():
                break
            time.sleep(1)
        messages = sorted(r.at for r in receiver.by_robot("dingtalk"))
        counts = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
        bad = sum(1 for r in receiver.by_robot("dingtalk") if r.problems)
        digests = sum(1 for r in receiver.by_robot("dingtalk") if r.is_digest)
        busiest = max(
            (sum(1 for t in messages[i:] if t < start + 60) for i, start in enumerate(messages)),
            default=0,
        )
        last = messages[-1] - flood_start if messages else float("nan")
        minutes = max((messages[-1] - messages[0]) / 60, 1 / 60) if messages else 1
        print(f"rate limit {options.limit}, worker concurrency {options.concurrency}")
        print(
            f"messages received by the group: {len(messages)} ({digests} digests), "
            f"{bad} with format or signature problems"
        )
        print(
            f"messages per minute over the run: {len(messages) / minutes:.1f}; "
            f"most in any 60 s window: {busiest}"
        )
        print(f"time to last delivery: {last:.1f} s after the flood began")
        print("delivery rows:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
finally:
    if worker is not None and worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    redis.kill()
