"""Liveness and readiness.

/healthz answers as long as the process can serve a request. /readyz checks what a
request needs: the database, every migration applied, the cache and the Celery broker;
it answers 503 naming the failed checks. Bodies never carry connection details (an
error is reported by its type only), so the endpoints need no authentication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@dataclass
class CheckResult:
    ok: bool
    detail: str = "ok"


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult(True)


_migrations_applied = False


def check_migrations() -> CheckResult:
    """Once every migration is applied it stays so for this process's code: the
    migration graph is read from disk only until then."""
    global _migrations_applied
    if _migrations_applied:
        return CheckResult(True)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return CheckResult(False, f"{len(plan)} unapplied")
    _migrations_applied = True
    return CheckResult(True)


def check_cache() -> CheckResult:
    cache = caches["default"]
    cache.set("collab:readyz", "1", timeout=30)
    if cache.get("collab:readyz") != "1":
        return CheckResult(False, "value not read back")
    return CheckResult(True)


def check_broker() -> CheckResult:
    from collab.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return CheckResult(True)


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, CheckResult]:
    results: dict[str, CheckResult] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and not results["database"].ok:
            results[name] = CheckResult(False, "database unavailable")
            continue
        try:
            results[name] = check()
        except Exception as error:
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = CheckResult(False, type(error).__name__)
    return results


@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@require_safe
def readyz(request):
    results = run_checks()
    failed = [name for name, result in results.items() if not result.ok]
    body = {
        "status": "unavailable" if failed else "ok",
        "failed": failed,
        "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
    }
    return JsonResponse(body, status=503 if failed else 200, headers={"Cache-Control": "no-store"})
