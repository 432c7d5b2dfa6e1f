"""Shared fixtures. Under CI=true, a test that needs PostgreSQL, Redis or Chromium
fails instead of skipping when the service is missing."""

import os
import socket
import uuid

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"

# Tests that start Celery workers, beats or redis-servers, or share the Redis databases of
# CELERY_BROKER_URL/REDIS_URL, run one after another on a single pytest-xdist worker
# (`make test` runs `-n 2 --dist loadgroup`); the rest spread over all workers.
SHARED_SERVICES = {
    "tests/integration/test_celery_alerts.py",
    "tests/notifications/test_deliveries.py",
    "tests/notifications/test_faults.py",
    "tests/ops/test_health.py",
    "tests/ops/test_metrics.py",
    "tests/ops/test_processes.py",
    "tests/platform/test_make_run.py",
    "tests/spreadsheets/test_worker.py",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in SHARED_SERVICES:
            item.add_marker(pytest.mark.xdist_group("shared-services"))


@pytest.fixture(scope="session", autouse=True)
def _files_of_this_worker(tmp_path_factory):
    """Under pytest-xdist, each worker keeps media and documents in its own folders, so
    one worker's clean-up never removes another worker's files."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    from django.conf import settings
    from django.test import override_settings

    base = tmp_path_factory.mktemp("files")
    storages = {alias: dict(options) for alias, options in settings.STORAGES.items()}
    documents = storages.get("documents", {})
    if documents.get("BACKEND", "").endswith("FileSystemStorage"):
        documents["OPTIONS"] = {**documents.get("OPTIONS", {}), "location": str(base / "documents")}
    with override_settings(MEDIA_ROOT=str(base / "media"), STORAGES=storages):
        yield


def require(what: str, available: bool, hint: str = "") -> None:
    """Skip locally, fail in CI, when a real component is missing."""
    if available:
        return
    message = f"{what} is required for this test{': ' + hint if hint else ''}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_postgres() -> None:
    require("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL=postgres://…")


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else ""


def require_redis() -> str:
    url = redis_url()
    available = False
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        try:
            with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
                available = True
        except OSError:
            available = False
    require("Redis", available, "set CELERY_BROKER_URL=redis://…")
    return url


@pytest.fixture
def celery_broker(monkeypatch):
    """Point this process's Celery app at another broker for one test.

    Celery reads CELERY_BROKER_URL from the environment before its own setting, and keeps
    pooled connections, so all three are switched and restored."""
    from collab.celery import app

    def reset_pools():
        # kombu keeps one pool per broker URL for the whole process: drop the app's
        # references so the next publish takes the pool of the URL now configured.
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url

    def use(url: str) -> None:
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        reset_pools()

    yield use
    app.conf.broker_url = old
    reset_pools()


@pytest.fixture
def org(db):
    """The demo organization: departments by code and users by username."""
    from collab.accounts.demo import load

    context: dict = {}
    load(context)
    return context


@pytest.fixture
def seed(db):
    """Everything `manage.py load_demo` loads, as its context dict."""
    from importlib import import_module

    from django.apps import apps

    context: dict = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        module.load(context)
    return context


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates with that user's token. Every
    API answer it receives must match the OpenAPI schema (tests/schema_conformance.py)."""
    from collab.accounts.services import token_issue
    from tests.schema_conformance import SchemaCheckedClient

    client = SchemaCheckedClient()

    def as_user(user):
        _token, key = token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    client.as_user = as_user
    return client


@pytest.fixture(autouse=True)
def fresh_throttle_counters(settings):
    """Throttle counters live in the cache; each test counts under a key prefix of its
    own, so tests on parallel workers sharing one Redis never see each other's counts
    (clearing a Redis cache would empty the whole database under the other worker)."""
    throttle = {**settings.CACHES["throttle"], "KEY_PREFIX": f"throttle-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "throttle": throttle}


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI handler, whose request signals would close the
    database connection holding the test's transaction (Django's test client detaches
    the same handler)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
