"""Settings the scale benchmarks serve with: production mode (DEBUG off, cached
templates, compressed static files) on plain HTTP on this machine, so the figures are
what a deployment sees rather than the development server's."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_ROOT = ROOT / "var" / "bench-static"

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-deployment",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_ROOT": str(STATIC_ROOT),
    "LOG_LEVEL": "WARNING",
    "CELERY_BROKER_URL": "memory://",
    "DJANGO_SETTINGS_MODULE": "collab.settings",
}


def production_env(database_url: str) -> dict[str, str]:
    return {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url}


def ensure_static(env: dict[str, str]) -> None:
    """Collect the static files once (the manifest the production storage reads)."""
    if (STATIC_ROOT / "staticfiles.json").exists():
        return
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
