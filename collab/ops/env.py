"""Settings of operations (health probes, Prometheus metrics, backups), read from the
environment; collab/settings.py takes them in. See docs/operations.md."""

import os

import environ

env = environ.Env()

# /metrics answers a request carrying `Authorization: Bearer <METRICS_TOKEN>`, or,
# without a token, one from an address in METRICS_ALLOWED_NETWORKS.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# Celery workers serve their own metrics on this port when it is set (0 = off).
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
# The queues whose depth /metrics reports (the names CELERY_TASK_ROUTES routes to).
COLLAB_CELERY_QUEUES = [
    "scans",
    "notify",
    "robot-dingtalk",
    "robot-feishu",
    "robot-wecom",
    "celery",
]
# Metrics of several processes (gunicorn workers, Celery pool processes) are merged
# through files in this folder (prometheus_client multiprocess mode).
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    os.makedirs(PROMETHEUS_MULTIPROC_DIR, exist_ok=True)

__all__ = [name for name in dir() if name.isupper()]
