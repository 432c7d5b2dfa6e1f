"""Faults with real components: a private redis-server on its own port (restarted without
persistence), real Celery workers and beat, PostgreSQL, and the local robot receivers.
Nothing is lost, and each message arrives exactly once where the platform allows it.

These tests wait for real events (rows reaching a final state) with timeouts; time
logic is never slept over."""

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from collab.notifications.models import (
    FINAL_STATUSES,
    Alert,
    Delivery,
    DeliveryStatus,
    Notification,
    RobotConfig,
)
from tests.conftest import IN_CI, require, require_postgres
from tests.factories import confirm_requirement, form_group, make_requirement

from .receiver import SECRETS

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Wait for a real event (another process's work) or fail with `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A redis-server of the test's own, without persistence: a restart loses
    everything, as a crashed broker without AOF/RDB does."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to start")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@pytest.fixture
def redis_server(tmp_path):
    require("redis-server", bool(shutil.which("redis-server")), "apt-get install redis-server")
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def processes(redis_server, tmp_path):
    """Start Celery workers and beat against the private Redis and the test database;
    every one is killed (its whole process group) at the end."""
    require_postgres()
    started: list[subprocess.Popen] = []
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": redis_server.url(0),
        "REDIS_URL": redis_server.url(1),
        "COLLAB_SITE_URL": "http://collab.test",
        "COLLAB_ALERT_SCAN_SECONDS": "1",
        "COLLAB_ALERT_HTTP_TIMEOUT": "2",
        "COLLAB_ALERT_RETRY_BACKOFF": "2",
        "COLLAB_ALERT_RETRY_BACKOFF_MAX": "4",
        "COLLAB_ALERT_REQUEUE_MINUTES": "0.03",  # ~2 s overdue
        "COLLAB_ALERT_SENDING_TIMEOUT": "0.1",  # 6 s without an outcome
        "CELERY_VISIBILITY_TIMEOUT": "3600",
    }
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(*args: str, name: str) -> subprocess.Popen:
        with open(logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [CELERY, "-A", "collab", *args, "--loglevel=INFO"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        return process

    def worker(queues: str, *, name: str, concurrency: int = 2) -> subprocess.Popen:
        return start(
            "worker", "-Q", queues, f"--concurrency={concurrency}", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", name=name,
        )  # fmt: skip

    def beat(*, name: str = "beat") -> subprocess.Popen:
        return start(
            "beat", f"--schedule={tmp_path / name}-schedule", "--max-interval=1", name=name
        )

    def kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    start.worker, start.beat, start.kill, start.logs = worker, beat, kill, logs
    yield start
    for process in started:
        kill(process)
    if IN_CI:
        for log in sorted(logs.glob("*.log")):
            sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}\n")


@pytest.fixture
def due_tomorrow(org):
    """Requirement with the design department's task falling due tomorrow (real time),
    so the beat's scan raises its alert now."""
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    today = timezone.localdate()
    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        topic="故障演练",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=60),
    )
    confirm_requirement(org, requirement)
    form_group(org, requirement)

    def make(code: str):
        return task_create(
            requirement=requirement,
            actor=users["mkt_head"],
            code=code,
            name=f"故障演练任务{code}",
            owner_department=departments["DSN"],
            owner=users["dsn_head"],
            planned_start=today - datetime.timedelta(days=3),
            planned_end=today + datetime.timedelta(days=1),
            deliverable="演练",
        )

    return make


def make_robots(org, receiver, kinds):
    return {
        kind: RobotConfig.objects.create(
            name=f"演练 {kind}",
            kind=kind,
            webhook_url=receiver.url(kind),
            secret=SECRETS.get(kind, ""),
            department=org["departments"]["DSN"],
        )
        for kind in kinds
    }


def open_rows():
    return Delivery.objects.exclude(status__in=FINAL_STATUSES)


def test_broker_loss_and_killed_worker_lose_nothing(
    org, receiver, redis_server, processes, due_tomorrow
):
    robots = make_robots(org, receiver, ("dingtalk", "feishu", "wecom", "webhook"))
    # Feishu and WeCom fail, so their retries wait in the broker; DingTalk and the
    # webhook hang, so the worker is killed in the middle of those sends.
    receiver.fail = {"feishu", "wecom"}
    receiver.delays = {"dingtalk": 20, "webhook": 20}
    due_tomorrow("1.1")
    worker = processes.worker(
        "scans,notify,robot-dingtalk,robot-feishu,robot-wecom,celery", name="w1", concurrency=4
    )
    beat = processes.beat()

    def cut_off_mid_send():
        rows = Delivery.objects.filter(robot__isnull=False)
        states = dict(rows.values_list("channel", "status"))
        return (
            states.get("dingtalk") == states.get("webhook") == DeliveryStatus.SENDING
            and states.get("feishu") == states.get("wecom") == DeliveryStatus.RETRYING
        )

    wait_for(cut_off_mid_send, timeout=60, what="sends in progress and retries waiting")
    processes.kill(worker)
    processes.kill(beat)
    # The broker dies without persistence: every queued and delayed message is gone.
    redis_server.kill()
    redis_server.start()
    # Deliveries whose task never reached the broker at all.
    alert = Alert.objects.get(kind="task_due_soon")
    lost = Alert.objects.create(
        kind=alert.kind,
        content_type=alert.content_type,
        object_id=alert.object_id,
        due_on=alert.due_on + datetime.timedelta(days=1),
        message="从未进入队列的提醒",
        batch=alert.batch,
    )
    Delivery.objects.bulk_create(
        [Delivery(alert=lost, channel=kind, robot=robot) for kind, robot in robots.items()]
        + [Delivery(alert=lost, channel="inbox", recipient=org["users"]["dsn_head"])]
    )
    states = dict(
        Delivery.objects.filter(robot__isnull=False, alert=alert).values_list("channel", "status")
    )
    assert states == {
        "dingtalk": "sending", "webhook": "sending", "feishu": "retrying", "wecom": "retrying",
    }  # fmt: skip

    receiver.fail, receiver.delays = set(), {}
    processes.worker(
        "scans,notify,robot-dingtalk,robot-feishu,robot-wecom,celery", name="w2", concurrency=2
    )
    processes.beat(name="beat2")
    wait_for(lambda: not open_rows().exists(), timeout=90, what="every row to reach a final state")

    status = {
        (d.alert_id, d.channel): d.status for d in Delivery.objects.filter(robot__isnull=False)
    }
    # Retries whose delayed message died with the broker: requeued and sent once.
    for kind in ("feishu", "wecom"):
        assert status[(alert.pk, kind)] == "sent"
        accepted = [r for r in receiver.by_robot(kind) if r.accepted]
        assert len(accepted) == 2  # the alert's and the never-queued one, once each
    # The signed webhook cut off mid-send is sent again with the same delivery id.
    assert status[(alert.pk, "webhook")] == "sent"
    webhook_ids = [r.delivery_id for r in receiver.by_robot("webhook")]
    assert set(webhook_ids) == {
        str(pk) for pk in Delivery.objects.filter(channel="webhook").values_list("pk", flat=True)
    }
    # The DingTalk message cut off mid-send may have arrived: unconfirmed, never resent,
    # and every recipient has the alert in the inbox exactly once.
    assert status[(alert.pk, "dingtalk")] == "unconfirmed"
    assert status[(lost.pk, "dingtalk")] == "sent"
    for recipient in {
        d.recipient_id for d in Delivery.objects.filter(alert=alert, channel="inbox")
    }:
        assert (
            Notification.objects.filter(recipient_id=recipient, message=alert.message).count() == 1
        )
    assert Notification.objects.filter(message="从未进入队列的提醒").count() == 1
    assert all(not r.problems for r in receiver.received)


def test_slow_robot_delays_only_its_own_lane(org, receiver, processes, due_tomorrow):
    robots = make_robots(org, receiver, ("dingtalk", "webhook"))
    # DingTalk answers after 3 s: past the 2 s timeout, so each send times out and is
    # retried (the platform may have shown it: at least once).
    receiver.delays = {"dingtalk": 3}
    processes.worker("robot-dingtalk", name="robots", concurrency=1)
    processes.worker("scans,notify,robot-feishu,robot-wecom,celery", name="main", concurrency=1)
    processes.beat()
    for code in ("1.1", "1.2", "1.3"):
        due_tomorrow(code)
    others = Delivery.objects.filter(alert__kind="task_due_soon").exclude(channel="dingtalk")
    wait_for(
        lambda: others.count() >= 9 and not others.exclude(status="sent").exists(),
        timeout=45,
        what="inbox and webhook deliveries",
    )
    dingtalk = Delivery.objects.filter(channel="dingtalk")
    assert dingtalk.count() == 3
    assert dingtalk.exclude(status="sent").exists()  # still stuck in its own lane
    for row in others.select_related("alert"):
        assert (row.sent_at - row.alert.created_at).total_seconds() < 15

    receiver.delays = {}
    wait_for(lambda: not dingtalk.exclude(status="sent").exists(), timeout=60, what="DingTalk")
    texts = [r.text for r in receiver.by_robot("dingtalk") if r.accepted]
    assert len(texts) >= 3  # at least once after timeouts
    # The webhook is exactly once per delivery.
    ids = [r.delivery_id for r in receiver.by_robot("webhook")]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 3
    assert robots["dingtalk"].pk
