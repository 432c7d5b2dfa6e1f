"""gunicorn settings of the image: `gunicorn -c python:collab.ops.gunicorn collab.wsgi`."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", "3"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# Heartbeat files on the writable /tmp (the root filesystem is read-only).
worker_tmp_dir = "/tmp"  # noqa: S108
# Request lines come from django-structlog as JSON, with the request id.
accesslog = None


def child_exit(server, worker):
    """A finished worker's live gauges leave the merged metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
