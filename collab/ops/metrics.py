"""Prometheus metrics.

Request metrics come from django-prometheus' middleware. Collab adds:
- collab_celery_queue_messages{queue}: messages waiting in each Celery queue (read from
  the broker at scrape time), with collab_celery_broker_up;
- collab_deliveries{state,channel}: alert deliveries by state and channel (one grouped
  query at scrape time, so every web process reports the same numbers);
- collab_alert_scan_duration_seconds{outcome}: how long each alert scan run took;
- collab_spreadsheet_job_duration_seconds{job,outcome}: background Excel import checks,
  import applies and exports.
The durations are observed in the Celery worker that ran the task; workers serve them on
WORKER_METRICS_PORT. With PROMETHEUS_MULTIPROC_DIR set (the image sets it), the numbers
of all processes of a container (gunicorn workers, Celery pool processes) are merged.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from celery.signals import task_postrun, task_prerun, worker_process_shutdown, worker_ready
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

ALERT_SCAN_SECONDS = Histogram(
    "collab_alert_scan_duration_seconds",
    "Duration of one run of every alert scan and the delivery sweep.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
SPREADSHEET_JOB_SECONDS = Histogram(
    "collab_spreadsheet_job_duration_seconds",
    "Duration of background Excel jobs (import check, import apply, export).",
    ["job", "outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)

TIMED_TASKS = {
    "collab.notifications.tasks.run_alert_scans": (ALERT_SCAN_SECONDS, None),
    "collab.spreadsheets.tasks.import_check_task": (SPREADSHEET_JOB_SECONDS, "import_check"),
    "collab.spreadsheets.tasks.import_apply_task": (SPREADSHEET_JOB_SECONDS, "import_apply"),
    "collab.spreadsheets.tasks.export_task": (SPREADSHEET_JOB_SECONDS, "export"),
}
_started: dict[str, float] = {}


def _task_started(task_id=None, task=None, **kwargs):
    if task is not None and task.name in TIMED_TASKS:
        _started[task_id] = time.perf_counter()


def _task_finished(task_id=None, task=None, retval=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is None or task is None:
        return
    histogram, job = TIMED_TASKS[task.name]
    outcome = (state or "unknown").lower()
    if job is None:
        histogram.labels(outcome=outcome).observe(time.perf_counter() - started)
        return
    # The spreadsheet tasks report the job's final status ("failed", "skipped", …).
    if outcome == "success" and isinstance(retval, str):
        outcome = retval
    histogram.labels(job=job, outcome=outcome).observe(time.perf_counter() - started)


class QueueDepthCollector:
    """Messages waiting per Celery queue, asked from the broker at scrape time."""

    def collect(self):
        from collab.celery import app

        depth = GaugeMetricFamily(
            "collab_celery_queue_messages", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("collab_celery_broker_up", "1 if the broker answered the scrape.")
        try:
            with app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
                channel = conn.default_channel
                for queue in settings.COLLAB_CELERY_QUEUES:
                    depth.add_metric([queue], queue_size(channel, queue))
        except Exception as error:
            logger.warning("queue depth unavailable: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield depth


def queue_size(channel, queue: str) -> int:
    """Messages in `queue`; a queue nobody declared yet holds none."""
    from kombu.exceptions import ChannelError

    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:
        return 0


class DeliveryCollector:
    """Alert deliveries by state and channel (every combination, zeros included)."""

    def collect(self):
        from django.db.models import Count

        from collab.notifications.models import Channel, Delivery, DeliveryStatus

        family = GaugeMetricFamily(
            "collab_deliveries",
            "Alert deliveries by state and channel.",
            labels=["state", "channel"],
        )
        try:
            rows = Delivery.objects.order_by().values_list("status", "channel")
            counts = {(s, c): n for s, c, n in rows.annotate(n=Count("id"))}
        except Exception as error:
            logger.warning("delivery counts unavailable: %s", type(error).__name__)
            return
        keys = {(s, c) for s in DeliveryStatus.values for c in Channel.values} | set(counts)
        for state, channel in sorted(keys):
            family.add_metric([state, channel], counts.get((state, channel), 0))
        yield family


class Scrape:
    """The process's (or, in multiprocess mode, the container's) metrics plus the
    collectors read at scrape time."""

    def __init__(self, *extra):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            self.base = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.base)
        else:
            self.base = REGISTRY
        self.extra = extra

    def collect(self):
        yield from self.base.collect()
        for collector in self.extra:
            yield from collector.collect()


def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(
        request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()
    ):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = [n for n in settings.METRICS_ALLOWED_NETWORKS if n.strip()]
    return any(address in ipaddress.ip_network(n.strip(), strict=False) for n in networks)


def metrics_view(request):
    if not metrics_allowed(request):
        return JsonResponse({"detail": "forbidden"}, status=403)
    output = generate_latest(Scrape(QueueDepthCollector(), DeliveryCollector()))
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


def _serve_worker_metrics(sender=None, **kwargs):
    port = getattr(settings, "WORKER_METRICS_PORT", 0)
    if not port:
        return
    from prometheus_client import start_http_server

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        logger.warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: metrics of pool processes are not merged"
        )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    start_http_server(port, registry=registry)
    logger.info("worker metrics on port %s", port)


def _pool_process_exited(pid=None, **kwargs):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())


def connect_signals() -> None:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="collab-ops-task-started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="collab-ops-task-finished")
    worker_ready.connect(_serve_worker_metrics, weak=False, dispatch_uid="collab-ops-metrics")
    worker_process_shutdown.connect(
        _pool_process_exited, weak=False, dispatch_uid="collab-ops-process-exit"
    )
