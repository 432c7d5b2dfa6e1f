"""A real Celery worker and beat against Redis deliver a due reminder to a real HTTP
receiver in each robot's format; the worker is killed with SIGKILL in the middle of a
delivery and restarted, and every robot still has exactly one message per alert.

Needs Redis (CELERY_BROKER_URL/REDIS_URL; this test uses database 7 on that server)
and PostgreSQL (the worker processes read the test database the test commits to).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.conftest import require_postgres, require_redis
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.notifications.receiver import SECRETS, Receiver

ROOT = Path(__file__).resolve().parents[2]
ROBOTS = ("dingtalk", "feishu", "wecom", "webhook")
VISIBILITY = 5  # seconds before Redis hands an unacknowledged message out again


def broker_url() -> str:
    parsed = urllib.parse.urlsplit(require_redis())
    return urllib.parse.urlunsplit(parsed._replace(path="/7"))


def database_url() -> str:
    settings = connection.settings_dict
    user = urllib.parse.quote(settings.get("USER") or "")
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


class Celery:
    """worker / beat subprocesses in their own process groups, logs in files."""

    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path, self.env, self.procs = tmp_path, env, {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop)
        self.procs[name] = (
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "collab", *args, "--loglevel=INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            log,
        )

    def kill(self, name: str) -> None:
        proc, log = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_deliver_once_even_when_the_worker_is_killed(org, tmp_path):
    require_postgres()
    broker = broker_url()
    import redis

    redis.Redis.from_url(broker).flushdb()

    from collab.notifications.models import Alert, AlertKind, Delivery, DeliveryStatus, RobotConfig
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    today = timezone.localdate()
    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=60),
    )
    confirm_requirement(org, requirement)
    form_group(org, requirement)
    task = task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        code="2.1",
        name="宣传物料制作",
        owner_department=departments["DSN"],
        owner=users["dsn_head"],
        planned_start=today - datetime.timedelta(days=3),
        planned_end=today + datetime.timedelta(days=1),
    )

    with Receiver(delay=3.0) as receiver:
        for kind in ROBOTS:
            RobotConfig.objects.create(
                name=f"设计部 {kind}",
                kind=kind,
                webhook_url=receiver.url(kind),
                secret=SECRETS.get(kind, ""),
                department=departments["DSN"],
            )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "collab.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "REDIS_URL": broker,
            "COLLAB_ALERT_SCAN_SECONDS": "2",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "COLLAB_ALERT_HTTP_TIMEOUT": "20",
        }
        env.pop("TEST_DATABASE_NAME", None)
        celery = Celery(tmp_path, env)
        queues = ",".join(settings.COLLAB_CELERY_QUEUES)
        worker_args = (
            "worker",
            "-Q",
            queues,
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
        )
        try:
            celery.start("beat", "beat", "--schedule", str(tmp_path / "beat-schedule"))
            celery.start("worker1", *worker_args, "-n", "alerts1@%h")

            # Beat raises the reminder; the worker starts sending; kill it mid-send.
            assert receiver.arrived.wait(timeout=90), celery.log("worker1") + celery.log("beat")
            celery.kill("worker1")
            killed = wait_for(
                lambda: Delivery.objects.filter(status=DeliveryStatus.SENDING).first(),
                timeout=10,
                what="the delivery cut off mid-send",
            )
            first_robot = receiver.received[0].robot
            assert killed.channel == first_robot

            # Redis gives an unacknowledged message back once it is older than the
            # visibility timeout; a new worker restores such messages when it starts.
            client = redis.Redis.from_url(broker)
            wait_for(
                lambda: client.zrangebyscore("unacked_index", 0, time.time() - VISIBILITY - 1),
                timeout=30,
                what="the killed task's message to become visible again",
            )
            celery.start("worker2", *worker_args, "-n", "alerts2@%h")

            def all_robots_reached():
                return all(receiver.by_robot(kind) for kind in ROBOTS)

            wait_for(all_robots_reached, timeout=120, what="every robot")
            # The killed task's message comes back after the visibility timeout and stops at
            # the claimed row; beat keeps scanning meanwhile.
            wait_for(
                lambda: "already handled" in celery.log("worker2"),
                timeout=60,
                what="the redelivered task",
            )
            wait_for(
                lambda: not Delivery.objects.exclude(pk=killed.pk)
                .exclude(status=DeliveryStatus.SENT)
                .exists(),
                timeout=60,
                what="the other deliveries to finish",
            )
        finally:
            celery.stop_all()

        alert = Alert.objects.get(kind=AlertKind.TASK_DUE_SOON, object_id=task.pk)
        assert Alert.objects.filter(kind=AlertKind.TASK_DUE_SOON).count() == 1
        for kind in ROBOTS:
            messages = receiver.by_robot(kind)
            assert len(messages) == 1, (kind, len(messages))
            assert messages[0].problems == [], (kind, messages[0].problems)
            assert "宣传物料制作" in messages[0].text
        killed.refresh_from_db()
        assert killed.status == DeliveryStatus.SENDING and killed.attempts == 1
        others = Delivery.objects.filter(alert=alert).exclude(pk=killed.pk)
        assert set(others.values_list("status", flat=True)) == {DeliveryStatus.SENT}
        assert others.filter(channel="inbox").count() == 2
