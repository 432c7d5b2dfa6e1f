"""/healthz and /readyz: JSON bodies, 503 naming the failed check, no host check, no
HTTPS redirect, no login, no connection details in the body."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_postgres, require_redis
from tests.integration.test_celery_alerts import database_url
from tests.platform.test_settings import clean_env

from .conftest import closed_port

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="10.1.2.3:8000").get("/readyz")
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


@pytest.fixture
def migrated(django_db_setup, django_db_blocker) -> str:
    """The URL of the test database (every migration applied), for another process."""
    require_postgres()
    with django_db_blocker.unblock():
        return database_url()


def probe(tmp_path, database: str | None, **variables) -> dict:
    """/readyz in a fresh process whose settings point where `variables` say, on the
    `database` URL (None: an empty SQLite database)."""
    variables.setdefault("DATABASE_URL", database or f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env = clean_env(DEBUG="0", SECRET_KEY="readiness-probe-test-key-" + "x" * 40, **variables)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_answers_without_host_check_login_or_redirect(client, settings):
    settings.ALLOWED_HOSTS = ["collab.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_reports_every_check(client, settings):
    settings.ALLOWED_HOSTS = ["collab.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_with_real_redis_cache_and_broker(tmp_path, migrated):
    url = require_redis()
    result = probe(tmp_path, migrated, REDIS_URL=url, CELERY_BROKER_URL=url)
    assert result["status"] == 200, result
    assert result["body"]["failed"] == []


@pytest.mark.slow
def test_readyz_fails_when_the_database_is_unreachable(tmp_path):
    port = closed_port()
    result = probe(tmp_path, None, DATABASE_URL=f"postgres://collab:s3cret@127.0.0.1:{port}/collab")
    assert result["status"] == 503
    body = result["body"]
    assert body["failed"] == ["database", "migrations"]
    assert body["checks"]["database"] == {"ok": False, "detail": "OperationalError"}
    assert "s3cret" not in json.dumps(body) and str(port) not in json.dumps(body)


@pytest.mark.slow
def test_readyz_fails_when_migrations_are_missing(tmp_path):
    result = probe(tmp_path, None)
    assert result["status"] == 503
    body = result["body"]
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["detail"].endswith("unapplied")


@pytest.mark.slow
def test_readyz_fails_when_the_cache_is_unreachable(tmp_path, migrated):
    result = probe(tmp_path, migrated, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/1")
    assert result["status"] == 503
    assert result["body"]["failed"] == ["cache"]
    assert result["body"]["checks"]["cache"] == {"ok": False, "detail": "ConnectionError"}


@pytest.mark.slow
def test_readyz_fails_when_the_broker_is_unreachable(tmp_path, migrated):
    port = closed_port()
    result = probe(tmp_path, migrated, CELERY_BROKER_URL=f"redis://:hunter2@127.0.0.1:{port}/0")
    assert result["status"] == 503
    body = result["body"]
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert "hunter2" not in json.dumps(body)


@pytest.mark.django_db
def test_probe_paths_only_answer_reads(client):
    assert client.post("/healthz").status_code in (403, 404, 405)
