"""Shared fixtures. Under CI=true, a test that needs PostgreSQL, Redis or Chromium
fails instead of skipping when the service is missing."""

import os
import socket

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


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
        if app._pool is not None:
            app._pool.force_close_all()
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
def fresh_throttle_counters():
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import caches

    caches["throttle"].clear()


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
