"""Real Celery processes against Redis and the PostgreSQL test database:
- a worker serves merged metrics of its pool processes and logs JSON lines carrying the
  request id of the request that queued the task;
- two beats: one holds the lock and schedules, the other schedules nothing until the
  first stops.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import urllib.request

import pytest
import redis
from django.conf import settings as django_settings

from tests.conftest import require_postgres, require_redis
from tests.integration.test_celery_alerts import Celery, database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
QUEUES = ",".join(django_settings.COLLAB_CELERY_QUEUES)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(broker: str, **extra: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "LOG_FORMAT": "json",
        **extra,
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def worker_metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_worker_metrics_and_request_id_in_task_logs(seed, api, settings, tmp_path, celery_broker):
    require_postgres()
    broker = require_redis()
    from collab.spreadsheets.models import ExportJob

    client = redis.Redis.from_url(broker)
    client.delete(*QUEUES.split(","))
    settings.SPREADSHEET_ASYNC_EXPORT_ROWS = 0
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    port = free_port()
    env = process_env(
        broker,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        WORKER_METRICS_PORT=str(port),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    celery = Celery(tmp_path, env)
    celery_broker(broker)
    try:
        celery.start(
            "worker",
            "worker",
            "-Q",
            QUEUES,
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "ops-metrics@%h",
        )
        # The worker scans once when it starts; its pool process records the duration.
        wait_for(
            lambda: "collab_alert_scan_duration_seconds_count" in _safe_metrics(port),
            timeout=90,
            what="the start-up scan in the worker's metrics\n" + celery.log("worker"),
        )
        response = api.as_user(seed["users"]["director"]).get(
            "/api/v1/tasks/export.xlsx", HTTP_X_REQUEST_ID="req-ops-0001"
        )
        assert response.status_code == 202, response.content
        job_id = response.json()["id"]
        wait_for(
            lambda: ExportJob.objects.get(pk=job_id).status == "done",
            timeout=90,
            what="the export job\n" + celery.log("worker"),
        )
        text = wait_for(
            lambda: (m := _safe_metrics(port))
            and 'collab_spreadsheet_job_duration_seconds_count{job="export",outcome="done"}' in m
            and m,
            timeout=30,
            what="the export duration in the worker's metrics",
        )
    finally:
        celery.stop_all()

    assert 'collab_alert_scan_duration_seconds_count{outcome="success"}' in text
    lines = json_lines(celery.log("worker"))
    assert lines, celery.log("worker")
    export_lines = [line for line in lines if line.get("request_id") == "req-ops-0001"]
    assert any(line.get("event") == "task_succeeded" for line in export_lines), lines[-10:]
    assert all("timestamp" in line and "level" in line for line in lines)


def _safe_metrics(port: int) -> str:
    try:
        return worker_metrics(port)
    except OSError:
        return ""


def scan_messages(client) -> list[str]:
    """Origins ("gen<pid>@host") of the scan messages beat queued, oldest first (kombu
    pushes new messages at the head of the list)."""
    origins = []
    for queue in QUEUES.split(","):
        for raw in reversed(client.lrange(queue, 0, -1)):
            message = json.loads(raw)
            if message["headers"]["task"] == "collab.notifications.tasks.run_alert_scans":
                origins.append(message["headers"]["origin"])
    return origins


def test_two_beats_only_one_schedules(tmp_path):
    require_postgres()
    broker = require_redis()
    client = redis.Redis.from_url(broker)
    client.delete(*QUEUES.split(","))
    for key in client.scan_iter("collab:beat:*"):
        client.delete(key)
    env = process_env(broker, COLLAB_ALERT_SCAN_SECONDS="1", CELERY_BEAT_MAX_LOOP_INTERVAL="1")
    celery = Celery(tmp_path, env)
    try:
        celery.start("beat1", "beat")
        wait_for(lambda: "Acquired lock" in celery.log("beat1"), timeout=60, what="beat1's lock")
        celery.start("beat2", "beat")
        first = celery.procs["beat1"][0].pid
        second = celery.procs["beat2"][0].pid
        wait_for(lambda: "beat: Starting" in celery.log("beat2"), timeout=60, what="beat2 up")
        # Both run for a while: every queued scan comes from the first beat.
        wait_for(lambda: len(scan_messages(client)) >= 6, timeout=60, what="six scans")
        origins = scan_messages(client)
        assert {origin.split("@")[0] for origin in origins} == {f"gen{first}"}
        assert "Sending due task" not in celery.log("beat2")
        assert "Acquired lock" not in celery.log("beat2")

        # The first beat stops (SIGTERM releases the lock); the second takes over.
        proc, _log = celery.procs["beat1"]
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        wait_for(lambda: "Acquired lock" in celery.log("beat2"), timeout=30, what="takeover")
        count = len(scan_messages(client))
        wait_for(lambda: len(scan_messages(client)) >= count + 2, timeout=30, what="beat2 scans")
        later = {origin.split("@")[0] for origin in scan_messages(client)[count:]}
        assert later == {f"gen{second}"}
    finally:
        celery.stop_all()
        client.delete(*QUEUES.split(","))
